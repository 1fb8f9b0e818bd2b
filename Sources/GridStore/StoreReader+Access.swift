import CivicGridModel

extension StoreReader {
    public func account(name: String) throws -> Account? {
        try SQLRow.fetchOne(try db.cachedStatement(sql: "SELECT id, name, role, region, department FROM members WHERE name = ?"), arguments: [name]).map(Self.account)
    }

    public func account(id: Int64) throws -> Account? {
        try SQLRow.fetchOne(try db.cachedStatement(sql: "SELECT id, name, role, region, department FROM members WHERE id = ?"), arguments: [id]).map(Self.account)
    }

    /// The account of a live token.
    public func account(tokenHash: String) throws -> Account? {
        try SQLRow.fetchOne(try db.cachedStatement(sql: """
            SELECT m.id, m.name, m.role, m.region, m.department FROM tokens t JOIN members m ON m.id = t.member
            WHERE t.token_hash = ? AND t.revoked_at IS NULL
            """), arguments: [tokenHash]).map(Self.account)
    }

    /// Every grid staff member (`member` accounts, and the members devices were registered to),
    /// by name, with their grids.
    public func staffMembers() throws -> [StaffMember] {
        var grids: [Int64: [String]] = [:]
        for row in try SQLRow.fetchAll(db, sql: "SELECT member, grid_code FROM member_grids ORDER BY grid_code") {
            grids[try row[0], default: []].append(try row[1])
        }
        return try SQLRow.fetchAll(try db.cachedStatement(sql: "SELECT id, name, region, phone FROM members WHERE role = 'member' ORDER BY name")).map { row in
            try StaffMember(id: row["id"], name: row["name"], region: row["region"], phone: row["phone"], grids: grids[row["id"]] ?? [])
        }
    }

    public func accounts() throws -> [Account] {
        try SQLRow.fetchAll(try db.cachedStatement(sql: "SELECT id, name, role, region, department FROM members ORDER BY name")).map(Self.account)
    }

    static func account(_ row: SQLRow) throws(StoreError) -> Account {
        try Account(id: row["id"], name: row["name"], role: Role(rawValue: row["role"]) ?? .member, region: row["region"], department: row["department"])
    }

    public func tokens(account: Int64) throws -> [APIToken] {
        try SQLRow.fetchAll(try db.cachedStatement(sql: """
            SELECT t.id, m.name, t.created_at, t.revoked_at FROM tokens t JOIN members m ON m.id = t.member
            WHERE t.member = ? ORDER BY t.id
            """), arguments: [account]).map { APIToken(id: try $0[0], account: try $0[1], createdAt: try $0[2], revokedAt: try $0[3]) }
    }

    /// Of `codes`, those that name no grid in any plan.
    public func unknownGrids(_ codes: [String]) throws -> [String] {
        try codes.filter { try Bool.fetchOne(try db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM grids WHERE code = ?)"), arguments: [$0]) != true }
    }

    /// Whether `code` is the whole jurisdiction: the only top-level region in the database.
    public func isWholeJurisdiction(_ code: String) throws -> Bool {
        try Bool.fetchOne(try db.cachedStatement(sql: """
            SELECT count(*) = 1 AND max(code) = ? FROM regions WHERE parent IS NULL OR parent = ''
            """), arguments: [code]) ?? false
    }

    /// Whether `code` is `root` or lies under it (a region or the community of a plan); any
    /// code lies under no root (an account scoped to everything).
    public func isRegion(_ code: String, under root: String?) throws -> Bool {
        guard let root else { return true }
        return try Bool.fetchOne(try db.cachedStatement(sql: """
            WITH RECURSIVE up(code, parent) AS (
              SELECT code, parent FROM regions WHERE code = ?
              UNION SELECT r.code, r.parent FROM regions r JOIN up ON r.code = up.parent)
            SELECT EXISTS (SELECT 1 FROM up WHERE code = ?)
            """), arguments: [code, root]) ?? false
    }

    /// The audit log, oldest first: of one plan, or of every plan of some communities, or all.
    public func audit(plan: Int64? = nil, communities: Set<String>? = nil, limit: Int = 1000) throws -> [AuditEntry] {
        var sql = "SELECT * FROM audit"
        var args: SQLArguments = []
        if let plan {
            sql += " WHERE plan = ?"
            args += [plan]
        } else if let communities {
            sql += " WHERE community IN (\(communities.map { _ in "?" }.joined(separator: ",")))"
            args += SQLArguments(communities.sorted())
        }
        return try SQLRow.fetchAll(db, sql: sql + " ORDER BY id LIMIT ?", arguments: args + [limit]).map {
            try AuditEntry(id: $0["id"], at: $0["at"], actor: $0["actor"], community: $0["community"], plan: $0["plan"],
                       action: try $0["action"], detail: try $0["detail"])
        }
    }
}

extension StoreReader {
    /// Whether a grid is one of an account's own (grid staff).
    public func isMemberGrid(account: Int64, grid: String) throws -> Bool {
        try Bool.fetchOne(try db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM member_grids WHERE member = ? AND grid_code = ?)"), arguments: [account, grid]) ?? false
    }
}

extension StoreReader {
    /// An account's own grids (grid staff), by code.
    public func memberGrids(account: Int64) throws -> [String] {
        try String.fetchAll(try db.cachedStatement(sql: "SELECT grid_code FROM member_grids WHERE member = ? ORDER BY grid_code"), arguments: [account])
    }
}

extension StoreReader {
    /// Grid code → members responsible for it.
    public func membersByGrid() throws -> [String: [Int64]] {
        var out: [String: [Int64]] = [:]
        for row in try SQLRow.fetchAll(db, sql: "SELECT grid_code, member FROM member_grids ORDER BY member") {
            out[try row["grid_code"], default: []].append(try row["member"])
        }
        return out
    }
}
