import Allocation
import Testing

/// Backoff of the workers' Qiscus calls: exponential, capped, jittered, honouring `Retry-After`.
@Suite struct RetryPolicyTests {
    let policy = RetryPolicy(attempts: 6, baseDelay: 0.2, maxDelay: 1)

    /// The delays before retries 1...n with the jitter pinned to the top (`upper`) or bottom of its range.
    func delays(_ count: Int, upper: Bool, retryAfter: Double? = nil) -> [Double] {
        (1...count).map { retry in
            policy.delay(beforeRetry: retry, retryAfter: retryAfter) { upper ? $0.upperBound : $0.lowerBound }
        }
    }

    static func close(_ a: [Double], _ b: [Double]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) < 1e-9 }
    }

    @Test func delaysDoubleUntilTheCap() {
        let top = delays(6, upper: true)
        #expect(Self.close(top, [0.2, 0.4, 0.8, 1, 1, 1]), "\(top)")
        let bottom = delays(6, upper: false)
        #expect(Self.close(bottom, [0.1, 0.2, 0.4, 0.5, 0.5, 0.5]), "\(bottom)")
        #expect(zip(top, top.dropFirst()).allSatisfy { $0 <= $1 }, "never shrinking")
    }

    @Test func jitterRangeIsHalfTheCapToTheCap() {
        var ranges: [ClosedRange<Double>] = []
        for retry in 1...6 {
            _ = policy.delay(beforeRetry: retry, retryAfter: nil) { range in
                ranges.append(range)
                return range.lowerBound
            }
        }
        let caps = [0.2, 0.4, 0.8, 1, 1, 1]
        #expect(ranges.count == caps.count)
        for (range, cap) in zip(ranges, caps) {
            #expect(abs(range.upperBound - cap) < 1e-9, "\(range)")
            #expect(abs(range.lowerBound - cap / 2) < 1e-9, "\(range)")
        }
    }

    @Test func defaultRandomStaysInTheJitterRange() {
        for retry in 1...8 {
            let cap = min(1, 0.2 * Double(1 << (retry - 1)))
            for _ in 0..<200 {
                let delay = policy.delay(beforeRetry: retry, retryAfter: nil)
                #expect(delay >= cap / 2 && delay <= cap, "retry \(retry): \(delay)")
            }
        }
    }

    @Test func hugeAndZeroRetryNumbersStayBounded() {
        #expect(policy.delay(beforeRetry: 10_000, retryAfter: nil) { $0.upperBound } == 1)
        #expect(policy.delay(beforeRetry: Int.max, retryAfter: nil) { $0.upperBound } == 1)
        #expect(policy.delay(beforeRetry: 0, retryAfter: nil) { $0.upperBound } == 0.2, "treated as the first retry")
    }

    @Test func retryAfterWinsWhenLonger() {
        #expect(policy.delay(beforeRetry: 1, retryAfter: 0.7) { $0.upperBound } == 0.7)
        #expect(policy.delay(beforeRetry: 2, retryAfter: 0.9) { $0.lowerBound } == 0.9)
    }

    @Test func backoffWinsWhenRetryAfterIsShorter() {
        #expect(policy.delay(beforeRetry: 3, retryAfter: 0.1) { $0.upperBound } == 0.8)
        #expect(policy.delay(beforeRetry: 3, retryAfter: 0) { $0.lowerBound } == 0.4, "0 means no advice")
        #expect(policy.delay(beforeRetry: 3, retryAfter: -5) { $0.lowerBound } == 0.4)
    }

    @Test func retryAfterIsCappedAtMaxDelay() {
        #expect(policy.delay(beforeRetry: 1, retryAfter: 30) { $0.lowerBound } == 1)
        #expect(policy.delay(beforeRetry: 6, retryAfter: 3600) { $0.upperBound } == 1)
        let service = RetryPolicy(attempts: 4, baseDelay: 0.2, maxDelay: 5)
        #expect(service.delay(beforeRetry: 1, retryAfter: 1) { $0.upperBound } == 1, "Qiscus's Retry-After: 1 is kept")
        #expect(service.delay(beforeRetry: 1, retryAfter: 60) { $0.upperBound } == 5)
    }

    @Test func zeroBaseDelayRetriesAtOnceUnlessToldToWait() {
        let immediate = RetryPolicy(attempts: 3, baseDelay: 0, maxDelay: 2)
        #expect(immediate.delay(beforeRetry: 2, retryAfter: nil) { $0.upperBound } == 0)
        #expect(immediate.delay(beforeRetry: 2, retryAfter: 1.5) { $0.upperBound } == 1.5)
    }
}
