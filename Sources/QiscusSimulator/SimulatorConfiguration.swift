/// How the simulator behaves; every field can also be changed at run time through `POST /sim/faults`.
public struct SimulatorConfiguration: Sendable, Equatable, Codable {
    /// Credentials the API checks in `Qiscus-App-Id` / `Qiscus-Secret-Key` (401 otherwise).
    public var appID: String
    public var secretKey: String
    /// Added to every API answer, in ms.
    public var latencyMilliseconds: Int
    /// Share of API calls (0...1) answered 429 with `Retry-After: 1`, and of those answered 500.
    public var rateLimitRate: Double
    public var serverErrorRate: Double
    /// Share of API calls that hang for `hangMilliseconds` before answering (to trip client timeouts).
    public var hangRate: Double
    public var hangMilliseconds: Int
    /// How far `current_customer_count` lags real assignments, in ms.
    public var countLagMilliseconds: Int
    /// The most agents a page of either listing (agents by division, available agents) holds, whatever `limit`
    /// asks (Qiscus serves fewer than asked; lower it to make a client read many pages).
    public var pageCap: Int
    /// How the bot endpoint (`POST /{app id}/bot`) fails, apart from the faults of every API call.
    public var botFault: BotFault

    /// A fault of the bot endpoint only.
    public enum BotFault: String, Sendable, Equatable, Codable, CaseIterable {
        /// answers as Qiscus does
        case none
        /// answers 500
        case error
        /// waits `hangMilliseconds`, then answers (to trip client timeouts)
        case hang
    }

    enum CodingKeys: String, CodingKey {
        case appID = "app_id"
        case secretKey = "secret_key"
        case latencyMilliseconds = "latency_ms"
        case rateLimitRate = "rate_limit_rate"
        case serverErrorRate = "server_error_rate"
        case hangRate = "hang_rate"
        case hangMilliseconds = "hang_ms"
        case countLagMilliseconds = "count_lag_ms"
        case pageCap = "page_cap"
        case botFault = "bot_fault"
    }

    public init(appID: String = "sim-app", secretKey: String = "sim-secret", latencyMilliseconds: Int = 0,
                rateLimitRate: Double = 0, serverErrorRate: Double = 0, hangRate: Double = 0,
                hangMilliseconds: Int = 10_000, countLagMilliseconds: Int = 0, pageCap: Int = 50,
                botFault: BotFault = .none) {
        self.botFault = botFault
        self.appID = appID
        self.secretKey = secretKey
        self.latencyMilliseconds = latencyMilliseconds
        self.rateLimitRate = rateLimitRate
        self.serverErrorRate = serverErrorRate
        self.hangRate = hangRate
        self.hangMilliseconds = hangMilliseconds
        self.countLagMilliseconds = countLagMilliseconds
        self.pageCap = pageCap
    }

    /// A missing field takes its default, so configurations written before a field existed still decode.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = SimulatorConfiguration()
        appID = try c.decodeIfPresent(String.self, forKey: .appID) ?? defaults.appID
        secretKey = try c.decodeIfPresent(String.self, forKey: .secretKey) ?? defaults.secretKey
        latencyMilliseconds = try c.decodeIfPresent(Int.self, forKey: .latencyMilliseconds) ?? defaults.latencyMilliseconds
        rateLimitRate = try c.decodeIfPresent(Double.self, forKey: .rateLimitRate) ?? defaults.rateLimitRate
        serverErrorRate = try c.decodeIfPresent(Double.self, forKey: .serverErrorRate) ?? defaults.serverErrorRate
        hangRate = try c.decodeIfPresent(Double.self, forKey: .hangRate) ?? defaults.hangRate
        hangMilliseconds = try c.decodeIfPresent(Int.self, forKey: .hangMilliseconds) ?? defaults.hangMilliseconds
        countLagMilliseconds = try c.decodeIfPresent(Int.self, forKey: .countLagMilliseconds) ?? defaults.countLagMilliseconds
        pageCap = try c.decodeIfPresent(Int.self, forKey: .pageCap) ?? defaults.pageCap
        botFault = try c.decodeIfPresent(BotFault.self, forKey: .botFault) ?? defaults.botFault
    }
}
