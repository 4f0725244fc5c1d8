/// The answer of `GET /api/v2/divisions`: `{"status":200,"data":[{"id":438,"name":"Sales",
/// "is_default_role":false}],"meta":{...}}`. A malformed entry is skipped.
struct DivisionList: Decodable {
    let data: LenientList<Division>
}
