import CivicGridModel
import GRDB

extension StoreWriter {
    /// Adds an account; a name already taken is an error.
    @discardableResult
    public func addAccount(name: String, role: Role, region: String?) throws -> Int64 {
        if try Int64.fetchOne(db, sql: "SELECT id FROM members WHERE name = ?", arguments: [name]) != nil {
            throw StoreError("an account named \"\(name)\" exists already")
        }
        if let region, try reader.region(code: region) == nil { throw StoreError("no region \"\(region)\"") }
        try db.execute(sql: "INSERT INTO members (name, role, region) VALUES (?, ?, ?)", arguments: [name, role.rawValue, region])
        return db.lastInsertedRowID
    }

    /// Stores a new token's hash for an account; returns the token's id.
    @discardableResult
    public func addToken(account: Int64, tokenHash: String) throws -> Int64 {
        try db.execute(sql: """
            INSERT INTO tokens (member, token_hash, created_at) VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
            """, arguments: [account, tokenHash])
        return db.lastInsertedRowID
    }

    /// Revokes one token, or every live token of an account; returns how many.
    @discardableResult
    public func revokeTokens(account: Int64? = nil, token: Int64? = nil) throws -> Int {
        try db.execute(sql: """
            UPDATE tokens SET revoked_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
            WHERE revoked_at IS NULL AND (member = ? OR id = ?)
            """, arguments: [account, token])
        return db.changesCount
    }

    /// Appends to the audit log.
    public func audit(actor: String, community: String?, plan: Int64?, action: String, detail: String) throws {
        try db.execute(sql: """
            INSERT INTO audit (at, actor, community, plan, action, detail)
            VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), ?, ?, ?, ?, ?)
            """, arguments: [actor, community, plan, action, detail])
    }
}
