using Npgsql;

namespace Netra.Server.Storage;

internal static class PostgresErrors
{
    public static bool IsUniqueViolation(this PostgresException exception, string constraint) =>
        exception.SqlState == PostgresErrorCodes.UniqueViolation && exception.ConstraintName == constraint;
}
