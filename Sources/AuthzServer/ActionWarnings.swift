package import AWSClassifier
package import Logging
package import Policy

/// The configuration warnings about action names (``ActionNameCheck`` with the classifier's
/// ``IAMActionCatalog``): printed by `validate`, logged when `serve` loads or reloads a file. The file
/// loads either way; computed at load only.
package enum ActionWarnings {
    /// The action names of `model`, as the policy's check reads them.
    package static func known(model: AWSModel) -> KnownActions {
        known(IAMActionCatalog(model: model))
    }

    /// `catalog` as the policy's check reads it.
    package static func known(_ catalog: IAMActionCatalog) -> KnownActions {
        KnownActions(
            checked: catalog.checked, actions: catalog.actions,
            renamedOperations: catalog.renamedOperations.mapValues { operations in
                operations.mapValues {
                    $0.map { KnownActions.Renamed(model: $0.model, operation: $0.operation, action: $0.action) }
                }
            },
            titles: catalog.titles)
    }

    /// The warnings of the configuration file at `path`.
    package static func warnings(path: String, model: AWSModel) -> [ConfigWarning] {
        ActionNameCheck.warnings(path: path, known: known(model: model))
    }

    /// Logs each warning of the file at `path` (level warning, the `file:line:column: warning: …` text).
    package static func log(path: String, model: AWSModel, logger: Logger) {
        for warning in warnings(path: path, model: model) {
            logger.warning("configuration warning", metadata: ["warning": "\(warning.description)"])
        }
    }
}
