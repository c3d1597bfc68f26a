// Held the implementation of request classification before the rewrite of issue 14, the oracle of
// FuzzOperationResolver's differential check, until the check was done (10,000,000 executions, no
// difference); now empty, kept so that Fuzz/Package.swift's target has a source.
enum LegacyOperationResolverPlaceholder {}
