import Recommender
import Testing

/// The checksum of model and index files: zlib's CRC-32, now computed eight bytes at a time in C.
@Suite("CRC-32")
struct CRC32Tests {
    /// The byte-at-a-time definition, as the files were checked before.
    static func reference(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            crc ^= UInt32(b)
            for _ in 0..<8 { crc = crc & 1 != 0 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
        }
        return crc ^ 0xFFFF_FFFF
    }

    @Test func knownValues() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([UInt8]()) == 0)
        #expect(CRC32.checksum(Array("The quick brown fox jumps over the lazy dog".utf8)) == 0x414F_A339)
    }

    @Test func everyLengthAndAlignmentMatchesTheDefinition() {
        var rng = SeededGenerator(seed: 7)
        let data = (0..<300).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        for start in 0..<9 {
            for length in [0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 200, 300 - start] where start + length <= data.count {
                let slice = data[start..<(start + length)]
                #expect(CRC32.checksum(slice) == Self.reference(Array(slice)), "start \(start) length \(length)")
                #expect(CRC32.checksum(Array(slice)) == Self.reference(Array(slice)))
            }
        }
        // A collection without contiguous storage takes the copying path.
        let lazy = data.lazy.map { $0 }
        #expect(CRC32.checksum(lazy) == Self.reference(data))
    }
}
