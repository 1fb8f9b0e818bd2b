import CivicGridModel
import Foundation

extension StoreWriter {
    /// Adds an account (grid staff with the phone they carry for work); a name already taken is
    /// an error. A department account's department must exist (the caller checks: departments
    /// are GridCases').
    @discardableResult
    public func addAccount(name: String, role: Role, region: String?, department: String? = nil, phone: String? = nil) throws -> Int64 {
        if try Int64.fetchOne(db, sql: "SELECT id FROM members WHERE name = ?", arguments: [name]) != nil {
            throw StoreError("an account named \"\(name)\" exists already")
        }
        if let region, try reader.region(code: region) == nil { throw StoreError("no region \"\(region)\"") }
        guard (role == .department) == (department != nil) else { throw StoreError("a department account, and only one, names its department") }
        try db.execute(sql: "INSERT INTO members (name, role, region, department, phone) VALUES (?, ?, ?, ?, ?)",
                       arguments: [name, role.rawValue, region, department, phone])
        return try db.lastInsertedRowID()
    }

    /// Stores a new token's hash for an account; returns the token's id.
    @discardableResult
    public func addToken(account: Int64, tokenHash: String) throws -> Int64 {
        try db.execute(sql: """
            INSERT INTO tokens (member, token_hash, created_at) VALUES (?, ?, \(db.now))
            """, arguments: [account, tokenHash])
        return try db.lastInsertedRowID()
    }

    /// Revokes one token, or every live token of an account (the phones its sign-in links
    /// registered are tracking's: `revokeSignIns`); returns how many tokens.
    @discardableResult
    public func revokeTokens(account: Int64? = nil, token: Int64? = nil) throws -> Int {
        try db.execute(sql: """
            UPDATE tokens SET revoked_at = \(db.now)
            WHERE revoked_at IS NULL AND (member = ? OR id = ?)
            """, arguments: [account, token])
        return db.changesCount
    }

    /// Stores a sign-in link's code (its hash) for an account, valid until `expires`.
    public func addLoginLink(account: Int64, codeHash: String, createdBy: String, at: Date, expires: Date) throws {
        try db.execute(sql: "INSERT INTO login_links (code_hash, member, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                       arguments: [codeHash, account, createdBy, StoreTime.text(at), StoreTime.text(expires)])
    }

    /// Uses a sign-in link once: the account it was made for, or nil when there is no such
    /// code, it was used already or it has expired.
    public func useLoginLink(codeHash: String, at: Date) throws -> Int64? {
        try Int64.fetchOne(try db.cachedStatement(sql: """
            UPDATE login_links SET used_at = ? WHERE code_hash = ? AND used_at IS NULL AND expires_at > ? RETURNING member
            """), arguments: [StoreTime.text(at), codeHash, StoreTime.text(at)])
    }

    /// Appends to the audit log.
    public func audit(actor: String, community: String?, plan: Int64?, action: String, detail: String) throws {
        try db.execute(sql: """
            INSERT INTO audit (at, actor, community, plan, action, detail)
            VALUES (\(db.now), ?, ?, ?, ?, ?)
            """, arguments: [actor, community, plan, action, detail])
    }
}

extension StoreWriter {
    /// Gives an account (grid staff) grids of its own, by code.
    public func addGrids(_ grids: [String], account: Int64) throws {
        for g in grids { try db.execute(sql: "INSERT INTO member_grids (member, grid_code) VALUES (?, ?) ON CONFLICT DO NOTHING", arguments: [account, g]) }
    }
}
