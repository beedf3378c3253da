using Npgsql;

namespace Netra.Server.Storage;

internal static class PostgresErrors
{
    /// <summary>How long a client is told to wait (HTTP <c>Retry-After</c>) when PostgreSQL cannot be reached.</summary>
    public const int UnavailableRetryAfterSeconds = 5;

    /// <summary>What a client is told, over HTTP and the hub, when PostgreSQL cannot be reached (<see cref="IsUnavailable"/>).</summary>
    public const string UnavailableMessage =
        "The database (PostgreSQL) cannot be reached right now, so the request was not carried out. Retry in a few seconds.";

    public static bool IsUniqueViolation(this PostgresException exception, string constraint) =>
        exception.SqlState == PostgresErrorCodes.UniqueViolation && exception.ConstraintName == constraint;

    /// <summary>
    /// Whether <paramref name="exception"/> (or one it wraps) says PostgreSQL could not be reached or is not taking work:
    /// down, restarting, refusing connections, a broken connection, the pool exhausted, a timeout. Not a bad statement,
    /// a constraint or a serialization failure: those are answers from a working server.
    /// </summary>
    public static bool IsUnavailable(Exception exception)
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case PostgresException postgres:
                    return postgres.SqlState.StartsWith("08", StringComparison.Ordinal) // connection exceptions
                        || postgres.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown
                            or PostgresErrorCodes.CannotConnectNow or PostgresErrorCodes.TooManyConnections;
                case NpgsqlException npgsql when npgsql.IsTransient:
                    return true;
            }
        }

        return false;
    }
}
