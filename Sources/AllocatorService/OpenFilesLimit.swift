#if canImport(Glibc)
import Glibc
#endif

/// The process's limit of open files (`RLIMIT_NOFILE`), which bounds the connections the server can hold.
enum OpenFilesLimit {
    /// Raises the soft limit toward `wanted`, as far as the hard limit allows; returns the soft and hard limits
    /// in force afterwards.
    static func raise(toward wanted: Int) -> (soft: Int, hard: Int) {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return (0, 0) }
        let target = min(rlim_t(max(0, wanted)), limit.rlim_max)
        if target > limit.rlim_cur {
            var raised = limit
            raised.rlim_cur = target
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return (Int(clamping: limit.rlim_cur), Int(clamping: limit.rlim_max))
    }
}
