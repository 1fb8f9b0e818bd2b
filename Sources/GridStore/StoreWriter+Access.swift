import CivicGridModel

extension StoreWriter {
    /// Adds an account (grid staff with the phone they carry for work); a name already taken is
    /// an error.
    @discardableResult
    public func addAccount(name: String, role: Role, region: String?, department: String? = nil, phone: String? = nil) throws -> Int64 {
        if try Int64.fetchOne(db, sql: "SELECT id FROM members WHERE name = ?", arguments: [name]) != nil {
            throw StoreError("an account named \"\(name)\" exists already")
        }
        if let region, try reader.region(code: region) == nil { throw StoreError("no region \"\(region)\"") }
        guard (role == .department) == (department != nil) else { throw StoreError("a department account, and only one, names its department") }
        if let department, try reader.department(code: department) == nil { throw StoreError("no department \"\(department)\"") }
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

    /// Revokes one token, or every live token of an account; returns how many.
    @discardableResult
    public func revokeTokens(account: Int64? = nil, token: Int64? = nil) throws -> Int {
        try db.execute(sql: """
            UPDATE tokens SET revoked_at = \(db.now)
            WHERE revoked_at IS NULL AND (member = ? OR id = ?)
            """, arguments: [account, token])
        return db.changesCount
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
