using System.Text.Json;
using Dapper;
using Npgsql;
using Netra.Contracts;

namespace Netra.Server.Events;

/// <summary>SQL for the durable events of non-chat channels (<c>channel_events</c>, <c>channel_heads</c>).</summary>
internal sealed class ChannelEventStore(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// Stores an event with the channel's next seq, in one statement: the head row's lock orders concurrent
    /// writers on every node, and a rolled-back transaction rolls the increment back, so seqs stay gapless.
    /// <paramref name="payloadJson"/> is the client payload; its <c>seq</c> property is set to the seq taken.
    /// Runs in <paramref name="transaction"/> when the event belongs to a larger write (a post and its feed event).
    /// </summary>
    public static async Task<(long Seq, DateTimeOffset StoredAt)> AppendAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, ChannelName channel, string eventName, string payloadJson, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleAsync<(long Seq, DateTime CreatedAt)>(new CommandDefinition(
            """
            WITH head AS (
                INSERT INTO channel_heads AS h (channel, kind, last_seq) VALUES (@channel, @kind, 1)
                ON CONFLICT (channel) DO UPDATE SET last_seq = h.last_seq + 1
                RETURNING last_seq
            )
            INSERT INTO channel_events (channel, seq, type, payload)
            SELECT @channel, head.last_seq, @eventName, jsonb_set(@payloadJson::jsonb, '{seq}', to_jsonb(head.last_seq)) FROM head
            RETURNING seq, created_at
            """,
            new { channel = channel.Name, kind = RetentionPolicy.KindKey(channel.Kind), eventName, payloadJson }, transaction, cancellationToken: cancellationToken));
        return (row.Seq, new DateTimeOffset(DateTime.SpecifyKind(row.CreatedAt, DateTimeKind.Utc)));
    }

    public async Task<(long Seq, DateTimeOffset StoredAt)> AppendAsync(ChannelName channel, string eventName, string payloadJson, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await AppendAsync(connection, null, channel, eventName, payloadJson, cancellationToken);
    }

    /// <summary>
    /// Stores <paramref name="events"/> in one statement, all or none: each channel's head moves once by the number of
    /// its events, which take the seqs below the new head in the order given. Heads are taken in the order of their
    /// names, so that batches over the same channels in other orders wait for each other instead of deadlocking.
    /// Returns the seq of each event, in the order given.
    /// </summary>
    public async Task<long[]> AppendBatchAsync(IReadOnlyList<(ChannelName Channel, string EventName, string PayloadJson)> events, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(long Ord, long Seq)>(new CommandDefinition(
            """
            WITH input AS (
                SELECT i.channel, i.kind, i.event_name, i.payload, i.ord,
                       count(*) OVER (PARTITION BY i.channel) AS taken,
                       row_number() OVER (PARTITION BY i.channel ORDER BY i.ord) AS n
                FROM unnest(@channels::text[], @kinds::text[], @eventNames::text[], @payloads::text[]) WITH ORDINALITY AS i(channel, kind, event_name, payload, ord)
            ), heads AS (
                INSERT INTO channel_heads AS h (channel, kind, last_seq)
                SELECT DISTINCT channel, kind, taken FROM input ORDER BY channel
                ON CONFLICT (channel) DO UPDATE SET last_seq = h.last_seq + EXCLUDED.last_seq
                RETURNING h.channel, h.last_seq
            ), numbered AS (
                SELECT i.ord, i.channel, i.event_name, i.payload, heads.last_seq - i.taken + i.n AS seq
                FROM input i JOIN heads ON heads.channel = i.channel
            ), stored AS (
                INSERT INTO channel_events (channel, seq, type, payload)
                SELECT channel, seq, event_name, jsonb_set(payload::jsonb, '{seq}', to_jsonb(seq)) FROM numbered
            )
            SELECT ord, seq FROM numbered ORDER BY ord
            """,
            new
            {
                channels = events.Select(e => e.Channel.Name).ToArray(),
                kinds = events.Select(e => RetentionPolicy.KindKey(e.Channel.Kind)).ToArray(),
                eventNames = events.Select(e => e.EventName).ToArray(),
                payloads = events.Select(e => e.PayloadJson).ToArray(),
            },
            cancellationToken: cancellationToken));
        return rows.Select(row => row.Seq).ToArray();
    }

    public async Task<long> GetHeadAsync(string channel, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            "SELECT last_seq FROM channel_heads WHERE channel = @channel", new { channel }, cancellationToken: cancellationToken)) ?? 0;
    }

    /// <summary>
    /// Events with <paramref name="afterSeq"/> &lt; seq &lt; <paramref name="beforeSeq"/> that the channel still
    /// keeps under <paramref name="retention"/>, ascending; the newest <paramref name="limit"/> when <paramref name="fromEnd"/>.
    /// Retention is applied here as well as by the trimming job, so what a read returns never depends on when the job last ran.
    /// </summary>
    public async Task<IReadOnlyList<StoredEvent>> ReadAsync(
        string channel, long afterSeq, long beforeSeq, int limit, bool fromEnd, RetentionPolicy retention, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var order = fromEnd ? "DESC" : "ASC";
        var rows = await connection.QueryAsync<(long Seq, string Type, string Payload)>(new CommandDefinition(
            $"""
            SELECT e.seq, e.type, e.payload::text
            FROM channel_events e JOIN channel_heads h ON h.channel = e.channel
            WHERE e.channel = @channel AND e.seq > @afterSeq AND e.seq < @beforeSeq
              AND e.seq > h.last_seq - @maxEvents AND e.created_at >= now() - make_interval(hours => @maxAgeHours)
            ORDER BY e.seq {order}
            LIMIT @limit
            """,
            new { channel, afterSeq, beforeSeq, limit, maxEvents = (long)retention.MaxEvents, maxAgeHours = retention.MaxAgeHours },
            cancellationToken: cancellationToken));
        var events = rows.Select(row => new StoredEvent(row.Seq, row.Type, Parse(row.Payload)));
        return (fromEnd ? events.Reverse() : events).ToList();
    }

    /// <summary>Deletes the events of channels of <paramref name="kind"/> that <paramref name="retention"/> no longer keeps.</summary>
    public async Task<int> TrimAsync(ChannelKind kind, RetentionPolicy retention, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            """
            DELETE FROM channel_events e USING channel_heads h
            WHERE h.channel = e.channel AND h.kind = @kind
              AND (e.seq <= h.last_seq - @maxEvents OR e.created_at < now() - make_interval(hours => @maxAgeHours))
            """,
            new { kind = RetentionPolicy.KindKey(kind), maxEvents = (long)retention.MaxEvents, maxAgeHours = retention.MaxAgeHours },
            cancellationToken: cancellationToken));
    }

    private static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
