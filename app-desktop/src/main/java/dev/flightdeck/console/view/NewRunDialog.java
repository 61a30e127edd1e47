package dev.flightdeck.console.view;

import atlantafx.base.theme.Styles;
import dev.flightdeck.client.BundleInfo;
import dev.flightdeck.client.RunInfo;
import dev.flightdeck.console.viewmodel.NewRunViewModel;
import javafx.event.ActionEvent;
import javafx.scene.control.Button;
import javafx.scene.control.ButtonBar;
import javafx.scene.control.ButtonType;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Dialog;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.TextArea;
import javafx.scene.control.TextField;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.geometry.VPos;
import javafx.stage.Window;

/** New run: bundle, input, optional tenant. Its result is the started run. */
final class NewRunDialog extends Dialog<RunInfo> {

    NewRunDialog(Window owner, NewRunViewModel vm, String stylesheet) {
        setTitle("New run");
        setHeaderText("Start a run");
        if (owner != null) {
            initOwner(owner);
        }
        getDialogPane().getStylesheets().add(stylesheet);

        ComboBox<BundleInfo> bundle = new ComboBox<>(vm.bundles());
        bundle.setId("bundleChoice");
        bundle.setPromptText("Loading bundles…");
        bundle.setMaxWidth(Double.MAX_VALUE);
        bundle.setCellFactory(l -> new BundleCell());
        bundle.setButtonCell(new BundleCell());
        bundle.valueProperty().bindBidirectional(vm.bundleProperty());

        TextArea input = new TextArea();
        input.setId("runInputField");
        input.setPromptText("What should the agent work on?");
        input.setPrefRowCount(5);
        input.setWrapText(true);
        input.textProperty().bindBidirectional(vm.inputProperty());

        TextField tenant = new TextField();
        tenant.setId("tenantField");
        tenant.setPromptText("optional, e.g. acme");
        tenant.textProperty().bindBidirectional(vm.tenantProperty());

        Label error = new Label();
        error.getStyleClass().add(Styles.DANGER);
        error.setWrapText(true);
        error.textProperty().bind(vm.errorProperty());
        error.visibleProperty().bind(vm.errorProperty().isNotEmpty());

        GridPane form = new GridPane();
        form.setHgap(12);
        form.setVgap(10);
        Label inputName = formLabel("Input");
        form.addRow(0, formLabel("Bundle"), bundle);
        form.addRow(1, inputName, input);
        form.addRow(2, formLabel("Tenant"), tenant);
        GridPane.setValignment(inputName, VPos.TOP);
        form.add(error, 1, 3);
        GridPane.setHgrow(bundle, Priority.ALWAYS);
        GridPane.setHgrow(input, Priority.ALWAYS);
        form.setPrefWidth(560);
        getDialogPane().setContent(form);

        ButtonType startType = new ButtonType("Start run", ButtonBar.ButtonData.OK_DONE);
        getDialogPane().getButtonTypes().addAll(startType, ButtonType.CANCEL);
        Button start = (Button) getDialogPane().lookupButton(startType);
        start.getStyleClass().add(Styles.ACCENT);
        start.disableProperty().bind(vm.canStartProperty().not());
        // Starting is a daemon call: keep the dialog open until it answers, then close with the run.
        start.addEventFilter(ActionEvent.ACTION, e -> {
            e.consume();
            vm.start(run -> {
                setResult(run);
                close();
            });
        });
        setResultConverter(b -> null);
        setOnShown(e -> input.requestFocus());
        vm.loadBundles();
    }

    private static Label formLabel(String text) {
        Label l = new Label(text);
        l.setMinWidth(Region.USE_PREF_SIZE);
        return l;
    }

    private static final class BundleCell extends ListCell<BundleInfo> {
        @Override
        protected void updateItem(BundleInfo b, boolean empty) {
            super.updateItem(b, empty);
            if (empty || b == null) {
                setText(null);
            } else {
                String desc = b.description() == null || b.description().isBlank() ? "" : " — " + b.description();
                setText(b.name() + " @ " + RunsView.shortId(b.versionId()) + desc);
            }
        }
    }
}
