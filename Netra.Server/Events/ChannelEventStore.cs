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

    /// <summary>How long a publish's idempotency key is kept (<see cref="AppendAsync(IReadOnlyList{ValueTuple{ChannelName, string, string}}, PublishKey?, CancellationToken)"/>).</summary>
    public const int PublishKeyHours = 24;

    /// <summary>
    /// Stores the events of one publish call, all or none, and returns the seq of each, in the order given. With a
    /// <paramref name="key"/>, in the transaction that records the key: if the service used that key before, nothing is
    /// stored, and the seqs and fingerprint recorded then are returned (<c>ReplayOf</c>). A call with the same key still
    /// running on any node is waited for.
    /// </summary>
    public async Task<(long[] Seqs, string? ReplayOf)> AppendAsync(
        IReadOnlyList<(ChannelName Channel, string EventName, string PayloadJson)> events, PublishKey? key, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (key is null)
        {
            return (await AppendManyAsync(connection, null, events, cancellationToken), null);
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var parameters = new { serviceId = key.ServiceId, key = key.Key, fingerprint = key.Fingerprint };
        var taken = await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO publish_keys (service_id, key, fingerprint) VALUES (@serviceId, @key, @fingerprint) ON CONFLICT DO NOTHING",
            parameters, transaction, cancellationToken: cancellationToken));
        if (taken == 0)
        {
            var earlier = await connection.QuerySingleAsync<(string Fingerprint, long[] Seqs)>(new CommandDefinition(
                "SELECT fingerprint, seqs FROM publish_keys WHERE service_id = @serviceId AND key = @key", parameters, transaction, cancellationToken: cancellationToken));
            return (earlier.Seqs, earlier.Fingerprint);
        }

        var seqs = await AppendManyAsync(connection, transaction, events, cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE publish_keys SET seqs = @seqs WHERE service_id = @serviceId AND key = @key",
            new { parameters.serviceId, parameters.key, seqs }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return (seqs, null);
    }

    /// <summary>Deletes the idempotency keys older than <see cref="PublishKeyHours"/>; returns how many.</summary>
    public async Task<int> TrimPublishKeysAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM publish_keys WHERE created_at < now() - make_interval(hours => @hours)", new { hours = PublishKeyHours }, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// Stores <paramref name="events"/> in one statement: each channel's head moves once by the number of its events,
    /// which take the seqs below the new head in the order given. Heads are taken in the order of their names, so that
    /// calls over the same channels in other orders wait for each other instead of deadlocking.
    /// </summary>
    private static async Task<long[]> AppendManyAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, IReadOnlyList<(ChannelName Channel, string EventName, string PayloadJson)> events, CancellationToken cancellationToken)
    {
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
            transaction,
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

/// <summary>A publish call's idempotency key, per service, with the fingerprint of the request that used it.</summary>
internal sealed record PublishKey(long ServiceId, string Key, string Fingerprint);
