import CivicGridModel
import Testing

/// The loop's rules, pure: every branch, and a role × action matrix in which every refusal
/// leaves the state as it was.
struct CaseWorkflowTests {
    static let dispatcher = CaseActor(name: "centre", role: .dispatcher, inScope: true)
    static let roads = CaseActor(name: "roads", role: .department, department: "D-ROADS", inScope: true)
    static let parks = CaseActor(name: "parks", role: .department, department: "D-PARKS", inScope: true)
    static let staff = CaseActor(name: "staff", role: .member, inScope: true, ownGrid: true)

    func run(_ state: CaseState, _ steps: [(CaseAction, CaseActor)]) throws -> CaseState {
        var s = state
        for (action, actor) in steps { s = try CaseWorkflow.apply(action, to: s, by: actor) }
        return s
    }

    @Test func theWholeLoop() throws {
        let s = try run(CaseState(status: .reported, holder: .region("320599001001")), [
            (.verify, Self.staff), (.file, Self.dispatcher), (.dispatch(.department("D-ROADS")), Self.dispatcher),
            (.accept, Self.roads), (.handle, Self.roads), (.pass, Self.staff), (.close, Self.dispatcher),
        ])
        #expect(s.status == .closed && s.holder == .department("D-ROADS") && s.dispatchedFrom == "320599001001")
        #expect(s.returns == 0 && s.reworks == 0)
    }

    @Test func returnGoesBackToTheDeskThatDispatched() throws {
        let filed = CaseState(status: .filed, holder: .region("320599001"))
        let s = try run(filed, [(.dispatch(.department("D-PARKS")), Self.dispatcher), (.return, Self.parks)])
        #expect(s.status == .filed && s.holder == .region("320599001") && s.returns == 1)
        let again = try run(s, [(.dispatch(.department("D-ROADS")), Self.dispatcher), (.accept, Self.roads), (.return, Self.roads)])
        #expect(again.returns == 2)
    }

    @Test func extensionAndSuspension() throws {
        let accepted = CaseState(status: .accepted, holder: .department("D-ROADS"))
        let extended = try run(accepted, [(.requestExtension(.workingDays(2)), Self.roads), (.approve, Self.dispatcher)])
        #expect(extended.status == .accepted && extended.extensions == 1 && extended.pending == nil)
        let refused = try run(accepted, [(.requestExtension(.workingDays(2)), Self.roads), (.refuse, Self.dispatcher)])
        #expect(refused == accepted)
        // While a request waits, the department cannot hand in or ask again.
        let waiting = try run(accepted, [(.requestSuspension, Self.roads)])
        #expect(throws: CaseError(.conflict, "a request is waiting for the dispatcher")) { try CaseWorkflow.apply(.handle, to: waiting, by: Self.roads) }
        #expect(throws: CaseError.self) { try CaseWorkflow.apply(.requestExtension(.workingHours(1)), to: waiting, by: Self.roads) }
        let suspended = try run(waiting, [(.approve, Self.dispatcher)])
        #expect(suspended.status == .suspended && suspended.status.step == nil)
        #expect(try run(suspended, [(.resume, Self.roads), (.handle, Self.roads)]).status == .handled)
    }

    @Test func failedCheckIsReworkWithTheSameHolder() throws {
        let handled = CaseState(status: .handled, holder: .department("D-ROADS"))
        let s = try run(handled, [(.fail, Self.staff)])
        #expect(s.status == .dispatched && s.holder == .department("D-ROADS") && s.reworks == 1)
        #expect(try run(s, [(.accept, Self.roads), (.handle, Self.roads), (.pass, Self.dispatcher), (.close, Self.dispatcher)]).status == .closed)
    }

    @Test func escalationAndFlatDispatch() throws {
        let atCommunity = CaseState(status: .filed, holder: .region("320599001001"))
        let s = try run(atCommunity, [(.escalate(to: "320599001"), Self.dispatcher), (.escalate(to: "320599"), Self.dispatcher)])
        #expect(s.holder == .region("320599") && s.escalations == 2 && s.status == .filed)
        // Flat dispatch to a community's desk: the command centre acts for it.
        let desk = try run(atCommunity, [(.dispatch(.region("320599001001")), Self.dispatcher), (.accept, Self.dispatcher), (.handle, Self.dispatcher)])
        #expect(desk.status == .handled)
        #expect(throws: CaseError.self) { try CaseWorkflow.apply(.accept, to: CaseState(status: .dispatched, holder: .region("x")), by: Self.roads) }
    }

    @Test func voidingAndDuplicates() throws {
        let reported = CaseState(status: .reported, holder: nil)
        #expect(try run(reported, [(.void(.notTrue, duplicateOf: nil), Self.dispatcher)]).status == .voided)
        #expect(throws: CaseError(.invalid, "a duplicate names the case it repeats")) {
            try CaseWorkflow.apply(.void(.duplicate, duplicateOf: nil), to: reported, by: Self.dispatcher)
        }
        #expect(try run(reported, [(.void(.duplicate, duplicateOf: "202611300001"), Self.dispatcher)]).status == .voided)
        #expect(throws: CaseError.self) { try CaseWorkflow.apply(.void(.notOurs, duplicateOf: nil), to: CaseState(status: .accepted, holder: nil), by: Self.dispatcher) }
    }

    /// Every role against every action in every status: refused with forbidden (role, scope)
    /// or conflict (status); allowed ones agree with the table of who may act.
    @Test func roleActionMatrix() throws {
        let actions: [CaseAction] = [.verify, .void(.notTrue, duplicateOf: nil), .file, .dispatch(.department("D-ROADS")), .escalate(to: "320599"),
                                     .accept, .return, .requestExtension(.workingHours(4)), .requestSuspension, .approve, .refuse,
                                     .resume, .handle, .pass, .fail, .close, .supervise, .recategorise("0107"), .assign("far staff"), .rate(.dissatisfied), .reopen(to: .department("D-ROADS"))]
        let actors = [Self.dispatcher, Self.roads, Self.parks, Self.staff,
                      CaseActor(name: "far staff", role: .member, inScope: true, ownGrid: false),
                      CaseActor(name: "viewer", role: .viewer, inScope: true), CaseActor(name: "planner", role: .planner, inScope: true),
                      CaseActor(name: "outsider", role: .dispatcher, inScope: false),
                      CaseActor(name: "admin", role: .admin, inScope: true)]
        var allowed: [String: Set<String>] = [:]
        for status in CaseStatus.allCases {
            for pending in [nil, CaseRequest.suspension] {
                let state = CaseState(status: status, holder: .department("D-ROADS"), pending: pending, dispatchedFrom: "320599001")
                for action in actions {
                    for actor in actors {
                        do {
                            _ = try CaseWorkflow.apply(action, to: state, by: actor)
                            allowed[action.name, default: []].insert(actor.name)
                        } catch {
                            #expect(error.kind == .forbidden || error.kind == .conflict, "\(action.name) by \(actor.name): \(error)")
                            if actor.name == "outsider" || actor.role == .viewer || actor.role == .planner { #expect(error.kind == .forbidden) }
                        }
                    }
                }
            }
        }
        #expect(allowed["verify"] == ["centre", "staff", "admin"])
        #expect(allowed["pass"] == ["centre", "staff", "admin"])
        #expect(allowed["accept"] == ["roads", "admin"])
        #expect(allowed["handle"] == ["roads", "admin"])
        #expect(allowed["return"] == ["roads", "admin"])
        #expect(allowed["resume"] == ["centre", "roads", "admin"])
        for name in ["void", "file", "dispatch", "escalate", "approve", "refuse", "close", "supervise", "recategorise", "assign"] { #expect(allowed[name] == ["centre", "admin"], "\(name)") }
        #expect(allowed["rate"] == ["admin"] && allowed["reopen"] == ["admin"], "the system's, for the reporter")
        #expect(Set(allowed.keys) == Set(CaseAction.names))
    }

    /// An assigned verification or check is the assignee's as well as the grid's own staff's;
    /// it goes when the case leaves the step.
    @Test func assignedStepsAreTheAssignees() throws {
        let far = CaseActor(name: "far staff", role: .member, inScope: true, ownGrid: false)
        let reported = CaseState(status: .reported, holder: .region("320599001001"))
        #expect(throws: CaseError.self) { try CaseWorkflow.apply(.verify, to: reported, by: far) }
        let assigned = try CaseWorkflow.apply(.assign("far staff"), to: reported, by: Self.dispatcher)
        #expect(assigned.assignee == "far staff" && assigned.status == .reported)
        #expect(throws: CaseError.self) { try CaseWorkflow.apply(.verify, to: assigned, by: CaseActor(name: "other", role: .member, inScope: true)) }
        let verified = try CaseWorkflow.apply(.verify, to: assigned, by: far)
        #expect(verified.status == .verified && verified.assignee == nil)
        #expect(try CaseWorkflow.apply(.supervise, to: assigned, by: Self.dispatcher).assignee == "far staff", "a step in place keeps it")
        for status in CaseStatus.allCases where status != .reported && status != .handled {
            #expect(throws: CaseError.self) { try CaseWorkflow.apply(.assign("far staff"), to: CaseState(status: status, holder: nil), by: Self.dispatcher) }
        }
        let handled = try CaseWorkflow.apply(.assign("far staff"), to: CaseState(status: .handled, holder: .department("D-ROADS")), by: Self.dispatcher)
        #expect(try CaseWorkflow.apply(.fail, to: handled, by: far).assignee == nil)
        #expect(try CaseWorkflow.apply(.pass, to: handled, by: far).status == .checked)
    }
}
