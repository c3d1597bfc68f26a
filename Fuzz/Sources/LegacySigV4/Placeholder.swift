// Placeholder: the legacy credential parser was the differential oracle of FuzzCredentialParser
// until the rewrite over raw bytes matched it on 10,000,000 executions; it is deleted, and
// FuzzCredentialParser is a property target. (Fuzz/Package.swift still declares this target.)
enum LegacySigV4Placeholder {}
