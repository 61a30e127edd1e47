package dev.flightdeck.daemon;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * The daemon's dependency rules: generated gRPC/proto types stay in {@code api} (and the wiring in
 * {@code app}); only {@code store} touches JDBC; daemon code never prints to System.out.
 */
class ArchitectureTest {
    private static final JavaClasses DAEMON = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.flightdeck.daemon");

    @Test
    void domainCodeNeverSeesGrpcOrGeneratedTypes() {
        noClasses().that().resideInAnyPackage("..daemon.engine..", "..daemon.bundle..", "..daemon.model..",
                        "..daemon.tool..", "..daemon.store..", "..daemon.run..", "..daemon.error..", "..daemon.approval..")
                .should().dependOnClassesThat().resideInAnyPackage("io.grpc..", "dev.flightdeck.proto..", "com.google.protobuf..")
                .check(DAEMON);
    }

    @Test
    void onlyTheStoreTouchesJdbc() {
        noClasses().that().resideOutsideOfPackage("..daemon.store..")
                .should().dependOnClassesThat().resideInAnyPackage("java.sql..", "javax.sql..", "com.zaxxer..", "org.flywaydb..", "org.h2..")
                .check(DAEMON);
    }

    @Test
    void daemonCodeDoesNotPrintToStandardOutput() {
        noClasses().that().resideOutsideOfPackage("..daemon.cli..")
                .should().accessField(System.class, "out")
                .check(DAEMON);
    }

    @Test
    void lowerLayersDoNotDependOnApiOrApp() {
        noClasses().that().resideInAnyPackage("..daemon.engine..", "..daemon.bundle..", "..daemon.model..",
                        "..daemon.tool..", "..daemon.store..", "..daemon.run..", "..daemon.approval..")
                .should().dependOnClassesThat().resideInAnyPackage("..daemon.api..", "..daemon.app..", "..daemon.cli..")
                .check(DAEMON);
    }
}
