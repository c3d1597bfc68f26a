// Placeholder until the legacy implementation is copied here.
enum LegacyHostClassifierPlaceholder {}
