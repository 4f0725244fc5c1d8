import HTTPServer
import Synchronization
import Testing

/// `Router` in process: throwing handlers, 404, 405 and HEAD.
@Suite struct RouterTests {
    struct Boom: Error {}

    @Test func aThrownResponseErrorIsSentAndAnyOtherErrorIsA500SeenByOnError() {
        let seen = Mutex<[String]>([])
        var router = Router { error, request in seen.withLock { $0.append("\(request.path): \(error)") } }
        router.on("POST", "/teapot") { _ in throw HTTPError(418, code: "teapot", message: "short and stout") }
        router.on("POST", "/boom") { _ in throw Boom() }
        let teapot = router.respond(to: ServerRequest(method: "POST", path: "/teapot"))
        #expect(teapot.status == 418 && String(decoding: teapot.body, as: UTF8.self).contains(#""error":"teapot""#))
        let boom = router.respond(to: ServerRequest(method: "POST", path: "/boom"))
        #expect(boom.status == 500 && String(decoding: boom.body, as: UTF8.self).contains(#""error":"internal""#))
        #expect(seen.withLock { $0 } == ["/boom: Boom()"], "only the unexpected error reaches onError")
    }

    @Test func headAnswersLikeGetWithoutABodyAndOtherMethodsAre405() {
        var router = Router()
        router.on("GET", "/x") { _ in .text("hello") }
        let head = router.respond(to: ServerRequest(method: "HEAD", path: "/x"))
        #expect(head.status == 200 && head.body.isEmpty)
        let put = router.respond(to: ServerRequest(method: "PUT", path: "/x"))
        #expect(put.status == 405 && put.headers.contains { $0.0 == "Allow" && $0.1 == "GET" })
        #expect(router.respond(to: ServerRequest(method: "GET", path: "/y")).status == 404)
    }
}
