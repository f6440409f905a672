/// The one error type: every code has one HTTP status and one exit code, and messages read as the cause names them.
import RAGCore
import Testing

@Suite struct RAGErrorTests {
    @Test func everyCodeHasOneErrorStatusAndOneDocumentedExitCode() {
        for code in RAGError.Code.allCases {
            #expect((400...599).contains(code.httpStatus), "\(code.rawValue) → \(code.httpStatus)")
            #expect((1...5).contains(code.exitCode), "\(code.rawValue) → \(code.exitCode)")
        }
    }

    @Test func rawValuesAreUniqueSnakeCaseStrings() {
        let raw = RAGError.Code.allCases.map(\.rawValue)
        #expect(Set(raw).count == raw.count)
        for r in raw { #expect(r.allSatisfy { $0.isLowercase || $0 == "_" }, "\(r)") }
    }

    @Test func busyCodesAreServiceUnavailableNotInternalErrors() {
        for code: RAGError.Code in [.busy, .indexBusy, .notReady] {
            #expect(code.httpStatus == 503)
            #expect(code.exitCode == 5)
        }
    }

    @Test func inputAndNotFoundCodesKeepTheirStatuses() {
        #expect(RAGError.Code.invalidFilter.httpStatus == 400 && RAGError.Code.invalidFilter.exitCode == 2)
        #expect(RAGError.Code.invalidField.httpStatus == 400)
        #expect(RAGError.Code.answerNotFound.httpStatus == 404 && RAGError.Code.indexNotFound.exitCode == 3)
        #expect(RAGError.Code.backendTimeout.httpStatus == 504 && RAGError.Code.noBackend.httpStatus == 502)
        #expect(RAGError.Code.modelMissing.httpStatus == 503 && RAGError.Code.modelMissing.exitCode == 4)
    }

    @Test func aFileProblemNamesThePathAndLine() {
        let e = RAGError(.parseError, path: "docs/a.xml", line: 12, reason: "parse error: entity loop")
        #expect(e.message == "docs/a.xml:12: parse error: entity loop")
        #expect(e.code.rawValue == "parse_error" && e.path == "docs/a.xml" && e.line == 12)
        #expect("\(RAGError(.sqliteError, "index i.sqlite: no such table", sql: "SELECT 1"))".contains("SQL: SELECT 1"))
    }
}
