import CivicGridModel
import ArgumentParser
import Foundation
import GridCases
import GridServer
import GridStore
import GridTracking

struct UsersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users", abstract: "Accounts (admin, planner, viewer, member, dispatcher, department), each scoped to a region, and their API tokens.",
        subcommands: [Add.self, Token.self, LoginLink.self, Revoke.self, List.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add an account and print its first API token (shown only this once).")
        @OptionGroup var database: DatabaseOption

        @Option(help: "The account's name (unique).")
        var name: String

        @Option(help: "admin, planner, viewer, member, dispatcher or department.")
        var role: String

        @Option(help: "For a department account: the department it acts for (its code).")
        var department: String?

        @Option(help: "The region subtree the account works in (a district, street or community code); admins may omit it for all.")
        var region: String?

        @Option(help: "For grid staff (member): the code of a grid they are responsible for (repeat for several).")
        var grid: [String] = []

        @Option(help: "For grid staff (member): the phone they carry for work (shown whole to the command centre, masked to viewers).")
        var phone: String?

        func run() throws {
            guard let role = Role(rawValue: role) else {
                throw ValidationError("--role \(self.role): expected \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard !name.isEmpty else { throw ValidationError("--name must not be empty") }
            if let phone, phone.wholeMatch(of: /\+?[0-9][0-9 -]{4,19}/) == nil { throw ValidationError("--phone \(phone): digits (with + - or spaces), 5 to 20") }
            guard region != nil || role == .admin else { throw ValidationError("a \(role.rawValue) needs --region (only admins may work everywhere)") }
            let store = try database.existing()
            let token = DeviceToken.generate()
            do {
                _ = try store.write { w in
                    if let department, try w.reader.department(code: department) == nil { throw StoreError("no department \"\(department)\"") }
                    let account = try w.addAccount(name: name, role: role, region: region, department: department, phone: phone)
                    try w.addGrids(grid, account: account)
                    return try w.addToken(account: account, tokenHash: DeviceToken.hash(token))
                }
            } catch let e as StoreError {
                printError("error: \(e)")
                throw ExitCode.failure
            }
            print("\(role.rawValue) \(name) added, working in \(region ?? "every region")")
            print("API token (shown once): \(token)")
        }
    }

    struct Token: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Issue another API token for an account (shown only this once).")
        @OptionGroup var database: DatabaseOption

        @Option(help: "The account's name.")
        var name: String

        func run() throws {
            let store = try database.existing()
            let token = DeviceToken.generate()
            let id = try store.write { w -> Int64? in
                guard let account = try w.reader.account(name: name) else { return nil }
                return try w.addToken(account: account.id, tokenHash: DeviceToken.hash(token))
            }
            guard let id else {
                printError("error: no account named \"\(name)\"")
                throw ExitCode.failure
            }
            print("token \(id) for \(name) (shown once): \(token)")
        }
    }

    struct LoginLink: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "login-link",
            abstract: "Print a one-time sign-in link for an account's phone (the grid staff page, /m/) and its QR code: opened once before it expires, it gives the phone the account's token.")
        @OptionGroup var database: DatabaseOption

        @Option(help: "The account's name.")
        var name: String

        @Option(help: "Minutes the link lives (1 to 1440).")
        var minutes: Int = SignInLinks.defaultMinutes

        @Option(help: "The address phones reach the server at, e.g. https://grid.example.")
        var base: String = "http://localhost:8080"

        func validate() throws {
            guard (1...SignInLinks.maxMinutes).contains(minutes) else { throw ValidationError("--minutes: 1 to \(SignInLinks.maxMinutes)") }
            guard let url = URL(string: base), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw ValidationError("--base \(base): an http or https address, e.g. https://grid.example")
            }
        }

        func run() throws {
            let store = try database.existing()
            let base = self.base.hasSuffix("/") ? String(self.base.dropLast()) : self.base
            guard let made = try SignInLinks.make(name: name, minutes: minutes, base: base, by: "cli", in: store) else {
                printError("error: no account named \"\(name)\"")
                throw ExitCode.failure
            }
            print("sign-in link for \(name), once, until \(made.expires.formatted(Date.ISO8601FormatStyle())): \(made.url)")
            if let qr = SignInLinks.terminalQR(made.url) { print(qr) }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke every token of an account, or one token by its id.")
        @OptionGroup var database: DatabaseOption

        @Option(help: "The account whose tokens to revoke.")
        var name: String?

        @Option(help: "One token's id (as `users token` and `users list` print it).")
        var token: Int64?

        func validate() throws {
            guard (name != nil) != (token != nil) else { throw ValidationError("give either --name or --token") }
        }

        func run() throws {
            let store = try database.existing()
            let n = try store.write { w -> Int? in
                if let name {
                    guard let account = try w.reader.account(name: name) else { return nil }
                    return try w.revokeSignIns(account: account.id)
                }
                return try w.revokeTokens(token: token)
            }
            guard let n else {
                printError("error: no account named \"\(name ?? "")\"")
                throw ExitCode.failure
            }
            print("revoked \(n) token(s)")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List accounts with their role, region and tokens.")
        @OptionGroup var database: DatabaseOption

        func run() throws {
            let store = try database.existing()
            try store.read { r in
                for a in try r.accounts() {
                    let tokens = try r.tokens(account: a.id).map { "\($0.id)" + ($0.revokedAt == nil ? "" : " (revoked)") }
                    print([a.name, a.role.rawValue, a.region ?? "*", "tokens: " + (tokens.isEmpty ? "none" : tokens.joined(separator: ", "))].joined(separator: "\t"))
                }
            }
        }
    }
}
