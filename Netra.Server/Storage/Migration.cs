namespace Netra.Server.Storage;

/// <summary>One embedded SQL migration: <c>Storage/Migrations/NNNN_name.sql</c>.</summary>
internal sealed record Migration(int Version, string Name, string Sql, string Checksum);
