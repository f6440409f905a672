/// Writes float32 `.npy` files (NumPy format 1.0, C order, little-endian), as the reference scripts do, for the
/// tests of the vector benchmark and its reader.
import Foundation

public enum NumpyFile {
    /// `rows` (all of one length) as a 2-D `<f4` array, the header padded to 64 bytes as NumPy pads it.
    public static func write(_ rows: [[Float]], to url: URL) throws {
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(rows.count), \(rows[0].count)), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xff), UInt8(header.utf8.count >> 8)])
        data.append(contentsOf: Array(header.utf8))
        for row in rows { for x in row { withUnsafeBytes(of: x.bitPattern.littleEndian) { data.append(contentsOf: $0) } } }
        try data.write(to: url)
    }
}
