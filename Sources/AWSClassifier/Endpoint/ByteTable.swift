/// A read-only hash table keyed by byte strings, built once: a lookup hashes the bytes it is given
/// (a range of a host's UTF-8) and compares them with the stored key, building no `String`.
///
/// Open addressing with linear probing over a power-of-two slot array at most half full; the keys
/// are stored back to back in one byte array. When a key is given twice, the first value is kept.
final class ByteTable<Value: Sendable>: @unchecked Sendable {
    // @unchecked: the buffers below are written only in `init` and freed in `deinit`.

    /// The keys, back to back.
    private let keyBytes: UnsafeMutableBufferPointer<UInt8>
    /// Entry `i`'s key is `keyBytes[keyBounds[i]..<keyBounds[i + 1]]`.
    private let keyBounds: UnsafeMutableBufferPointer<Int32>
    /// Entry `i`'s value.
    private let values: [Value]
    /// Entry index + 1 per slot; 0 for an empty slot.
    private let slots: UnsafeMutableBufferPointer<Int32>
    /// `slots.count - 1`.
    private let mask: Int

    /// Builds the table; of entries with equal keys, the first one's value is kept.
    init(_ entries: [(key: [UInt8], value: Value)]) {
        var capacity = 8
        while capacity < entries.count * 2 { capacity *= 2 }
        var keyBytes: [UInt8] = []
        var keyBounds: [Int32] = [0]
        var values: [Value] = []
        var slots = [Int32](repeating: 0, count: capacity)
        let mask = capacity - 1
        for (key, value) in entries {
            var slot = Self.finish(key.withUnsafeBufferPointer { Self.hash($0) }) & mask
            var duplicate = false
            while slots[slot] != 0 {
                let entry = Int(slots[slot]) - 1
                if keyBytes[Int(keyBounds[entry])..<Int(keyBounds[entry + 1])].elementsEqual(key) {
                    duplicate = true
                    break
                }
                slot = (slot + 1) & mask
            }
            if duplicate { continue }
            keyBytes += key
            keyBounds.append(Int32(keyBytes.count))
            values.append(value)
            slots[slot] = Int32(values.count)
        }
        self.keyBytes = .allocate(capacity: max(1, keyBytes.count))
        _ = self.keyBytes.initialize(from: keyBytes)
        self.keyBounds = .allocate(capacity: keyBounds.count)
        _ = self.keyBounds.initialize(from: keyBounds)
        self.slots = .allocate(capacity: slots.count)
        _ = self.slots.initialize(from: slots)
        self.values = values
        self.mask = mask
    }

    deinit {
        keyBytes.deallocate()
        keyBounds.deallocate()
        slots.deallocate()
    }

    /// FNV-1a's initial value.
    static var hashSeed: UInt64 { 0xCBF2_9CE4_8422_2325 }

    /// FNV-1a: `hash` with `byte` added (a caller can hash a key while it reads it).
    @inline(__always)
    static func hash(_ hash: UInt64, _ byte: UInt8) -> UInt64 { (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }

    /// FNV-1a over the bytes (unfinished: see ``finish(_:)``).
    @inline(__always)
    static func hash(_ key: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash = hashSeed
        for byte in key { hash = Self.hash(hash, byte) }
        return hash
    }

    /// A multiply to spread FNV's low bits: the slot index.
    @inline(__always)
    static func finish(_ hash: UInt64) -> Int {
        var hash = hash ^ (hash >> 29)
        hash = hash &* 0xBF58_476D_1CE4_E5B9
        return Int(truncatingIfNeeded: hash ^ (hash >> 32))
    }

    /// The value stored under `key`, if any.
    @inline(__always)
    func value(for key: UnsafeBufferPointer<UInt8>) -> Value? {
        value(for: key, hash: Self.hash(key))
    }

    /// The value stored under `key`, whose ``hash(_:)-(UnsafeBufferPointer<UInt8>)`` the caller has.
    @inline(__always)
    func value(for key: UnsafeBufferPointer<UInt8>, hash: UInt64) -> Value? {
        let index = entry(for: key, hash: hash)
        guard index >= 0 else { return nil }
        return values[index]
    }

    /// Whether `key` is in the table.
    func contains(_ key: UnsafeBufferPointer<UInt8>) -> Bool { entry(for: key, hash: Self.hash(key)) >= 0 }

    /// The entry index of `key`, or -1.
    private func entry(for key: UnsafeBufferPointer<UInt8>, hash: UInt64) -> Int {
        let count = key.count
        var slot = Self.finish(hash) & mask
        while true {
            let entry = Int(slots[slot]) - 1
            if entry < 0 { return -1 }
            let start = Int(keyBounds[entry])
            if Int(keyBounds[entry + 1]) - start == count {
                var i = 0
                while i < count, keyBytes[start + i] == key[i] { i += 1 }
                if i == count { return entry }
            }
            slot = (slot + 1) & mask
        }
    }
}
