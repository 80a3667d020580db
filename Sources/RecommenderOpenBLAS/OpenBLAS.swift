import COpenBLAS
import Recommender

/// OpenBLAS as the dense-product backend of the core library (Linux: `libopenblas-dev`).
///
/// The core `Recommender` module links no BLAS; call ``install()`` once at start-up to route
/// ``Gemm/Backend/openBLAS`` products to OpenBLAS's `cblas_sgemm`. OpenBLAS is limited to
/// one thread: its idle threads spin and slow down the library's own threads.
public enum OpenBLAS {
    /// The name of the CPU kernel set OpenBLAS chose (e.g. `"Haswell"`, `"Cooperlake"`).
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// Installs OpenBLAS as the process's ``Gemm/BLASProvider`` (idempotent).
    public static func install() {
        openblas_set_num_threads(1)
        Gemm.installBLAS(Gemm.BLASProvider(name: "OpenBLAS (\(coreName))") { ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc in
            cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                        Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
        })
    }
}
