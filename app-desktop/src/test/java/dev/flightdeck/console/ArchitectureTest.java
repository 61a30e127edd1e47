package dev.flightdeck.console;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** The console's MVVM rules, enforced. */
@AnalyzeClasses(packages = "dev.flightdeck.console", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    @ArchTest
    static final ArchRule viewModelsKnowNoControls = noClasses().that().resideInAPackage("..viewmodel..")
            .should().dependOnClassesThat().resideInAnyPackage("javafx.scene..", "javafx.stage..",
                    "atlantafx..", "org.controlsfx..")
            .because("view models hold state and call the daemon; views own the controls");

    @ArchTest
    static final ArchRule noGrpcInViewsOrViewModels = noClasses().that()
            .resideInAnyPackage("..view..", "..viewmodel..")
            .should().dependOnClassesThat().resideInAnyPackage("io.grpc..", "dev.flightdeck.proto..")
            .because("the console talks to the daemon only through DaemonClient and its records");

    @ArchTest
    static final ArchRule viewModelsNeverTouchTheFxThreadDirectly = noClasses().that().resideInAPackage("..viewmodel..")
            .should().dependOnClassesThat().haveFullyQualifiedName("javafx.application.Platform")
            .because("view models reach the UI thread only through the injected UiExecutor");

    @ArchTest
    static final ArchRule chartsAreDrawnOnlyByViews = noClasses().that().resideOutsideOfPackage("..view..")
            .should().dependOnClassesThat().resideInAnyPackage("org.jfree..")
            .because("view models hand plain series to the view, which turns them into JFreeChart datasets");

    @ArchTest
    static final ArchRule noSystemOut = noClasses().that().doNotHaveSimpleName("Launcher")
            .should().accessField(System.class, "out")
            .because("the console logs through SLF4J");
}
