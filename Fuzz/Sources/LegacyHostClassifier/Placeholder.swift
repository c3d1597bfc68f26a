// The legacy host classifier was deleted once FuzzHostClassifier had compared it with the byte-level
// one (10,000,000 executions, no difference); this file keeps the target, which Package.swift still
// declares, compiling until the target is removed there.
enum LegacyHostClassifierPlaceholder {}
