using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace Netra.Bench;

public sealed partial class BenchRunner
{
    /// <summary>
    /// Connections that insert in the PostgreSQL-alone baseline. Its best here: with PostgreSQL on one core, 8
    /// connections gave 3,613 rows/s, 16 gave 3,457, 32 gave 2,714 and 100 (the chats' count, used before) 1,646; more
    /// backends only share the core and its commits among more processes (docs/benchmarks.md).
    /// </summary>
    internal const int PostgresWorkers = 8;

    /// <summary>
    /// One message stored as Netra stores it (its seq taken from its chat, the sender's membership checked, the row read
    /// back with the sender's name); Netra's ChatStore.AppendAsync does the same for a whole batch in one statement
    /// (Netra.Server/Chat/ChatStore.cs).
    /// </summary>
    private const string AppendSql = """
        WITH next AS (
            UPDATE chats SET last_seq = last_seq + 1
            WHERE id = $1 AND EXISTS (SELECT 1 FROM chat_members WHERE chat_id = $1 AND user_id = $2)
            RETURNING last_seq
        ), m AS (
            INSERT INTO messages (chat_id, seq, sender_id, content, attachment, client_message_id)
            SELECT $1, next.last_seq, $2, $3, NULL, $4 FROM next
            RETURNING *
        )
        SELECT m.id, m.chat_id, m.seq, m.sender_id, u.display_name AS sender_name, m.content, m.attachment, m.client_message_id, m.created_at
        FROM m JOIN users u ON u.id = m.sender_id
        """;

    /// <summary>
    /// chat with storage (Netra only): C chats of M members, every member subscribed to its chat.
    /// Saturation: every member sends with one message in flight (closed loop); stored-and-delivered
    /// messages/s = deliveries/s / M. Then an open loop at half that rate for p50/p99. Beside it,
    /// PostgreSQL's own rate for the same insert statement from the generator, without Netra.
    /// </summary>
    private async Task ChatAsync(CancellationToken cancellationToken)
    {
        var netra = await SeedAsync(cancellationToken);
        var m = options.ChatMembers;
        var count = options.Chats * m;
        var meter = new DeliveryMeter(target.Received);
        var connections = await OpenManyAsync(count, 64, i => (0, netra.ChatMembers[i / m][i % m]), null, cancellationToken);
        long sequence = 0;
        double half;
        string Message(int i) => string.Create(CultureInfo.InvariantCulture,
            $"[{{\"chatId\":{netra.Chats[i / m]},\"content\":{Quote(Payload())},\"clientMessageId\":\"chat-{Environment.ProcessId}-{Interlocked.Increment(ref sequence)}-{Stopwatch.GetTimestamp()}\"}}]");
        try
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = cancellationToken }, async (i, ct) =>
            {
                connections[i].EventReceived = frame => meter.Delivered(SentAt(frame));
                await connections[i].InvokeAsync("Subscribe", $"[\"chat:{netra.Chats[i / m]}\",null]", ct);
            });

            var saturation = new List<double>();
            for (var rep = 1; rep <= options.Reps; rep++)
            {
                var measured = await DriveAsync(count, i => connections[i].InvokeAsync("SendMessage", Message(i), cancellationToken), meter, cancellationToken);
                saturation.Add(meter.Deliveries / measured.Seconds / m);
                Add("chat.saturation", "msg/s", saturation[^1], rep);
                Add("chat.saturation.p99", "ms", meter.Latency.PercentileMs(0.99), rep);
                AddCpu("chat.saturation", measured, meter.Deliveries / (double)m, "messages per CPU-s", rep);
            }

            half = saturation.Order().ElementAt(saturation.Count / 2) / 2;
            for (var rep = 1; rep <= options.Reps; rep++)
            {
                var window = await OpenLoopAsync(connections.Length, half, i => connections[i].InvokeAsync("SendMessage", Message(i), cancellationToken), meter, cancellationToken);
                Add("chat.half.rate", "msg/s", meter.Deliveries / window.Seconds / m, rep);
                Add("chat.half.p50", "ms", meter.Latency.PercentileMs(0.50), rep);
                Add("chat.half.p99", "ms", meter.Latency.PercentileMs(0.99), rep);
                AddCpu("chat.half", window, meter.Deliveries / (double)m, "messages per CPU-s", rep);
            }
        }
        finally
        {
            await CloseAllAsync(connections);
        }

        await PostgresInsertRateAsync(netra, half, cancellationToken);
    }

    /// <summary>
    /// Sends at <paramref name="rate"/> calls/s in all, spread evenly over <paramref name="senderCount"/>
    /// senders, each call on its own schedule whether or not earlier ones were answered (at most 8 in
    /// flight per sender; a call over that is skipped). Returns the measured window's length and CPU.
    /// </summary>
    private async Task<WindowResult> OpenLoopAsync(int senderCount, double rate, Func<int, Task> send, DeliveryMeter meter, CancellationToken cancellationToken)
    {
        var interval = TimeSpan.FromSeconds(senderCount / Math.Max(rate, 1));
        var start = Stopwatch.GetTimestamp();
        var end = start + (long)((options.RateWarmup + options.Duration).TotalSeconds * Stopwatch.Frequency);
        var senders = Enumerable.Range(0, senderCount).Select(i => Task.Run(async () =>
        {
            var inFlight = 0;
            var pending = new List<Task>();
            var next = TimeSpan.FromTicks(interval.Ticks * i / senderCount);
            while (true)
            {
                var wait = next - Stopwatch.GetElapsedTime(start);
                if (Stopwatch.GetTimestamp() + (long)(Math.Max(0, wait.TotalSeconds) * Stopwatch.Frequency) >= end)
                {
                    break;
                }

                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, cancellationToken);
                }

                next += interval;
                if (Volatile.Read(ref inFlight) >= 8)
                {
                    continue;
                }

                Interlocked.Increment(ref inFlight);
                pending.Add(Task.Run(async () =>
                {
                    try
                    {
                        var started = Stopwatch.GetTimestamp();
                        await send(i);
                        meter.Called(started);
                    }
                    finally
                    {
                        Interlocked.Decrement(ref inFlight);
                    }
                }, CancellationToken.None));
            }

            await Task.WhenAll(pending);
        }, CancellationToken.None)).ToArray();

        await Task.Delay(options.RateWarmup, cancellationToken);
        var cpu = await CpuWindow.StartAsync(target, cancellationToken);
        meter.Open();
        await Task.Delay(options.Duration, cancellationToken);
        meter.Close();
        var window = await cpu.StopAsync(options.RateWarmup.TotalSeconds, cancellationToken);
        await Task.WhenAll(senders).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        await Task.Delay(300, cancellationToken);
        return window;
    }

    /// <summary>
    /// PostgreSQL's own rate for Netra's insert, one row per transaction: <see cref="PostgresWorkers"/> workers
    /// (one chat each), closed loop, from this process; then the same inserts offered at <paramref name="half"/> per
    /// second (Netra's half load), for the latency PostgreSQL alone gives at that rate.
    /// </summary>
    private async Task PostgresInsertRateAsync(NetraSeed netra, double half, CancellationToken cancellationToken)
    {
        // Prepared, as Netra's own statements are (Netra:Storage:MaxAutoPrepare): unprepared, PostgreSQL parses and
        // plans the statement for every row, which is not its limit (docs/benchmarks.md).
        var builder = new NpgsqlConnectionStringBuilder(target.Postgres) { MaxPoolSize = PostgresWorkers, MaxAutoPrepare = 8 };
        await using var dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
        var workers = Math.Min(PostgresWorkers, netra.Chats.Length);
        long sequence = 0;
        var meter = new DeliveryMeter(target.Received);
        for (var rep = 1; rep <= options.Reps; rep++)
        {
            var measured = await DriveAsync(workers, InsertAsync, meter, cancellationToken);
            Add("chat.pg_insert_rate", "rows/s", meter.Calls / measured.Seconds, rep);
            Add("chat.pg_insert.p99", "ms", meter.CallLatency.PercentileMs(0.99), rep);
            AddCpu("chat.pg_insert", measured, meter.Calls, "rows per CPU-s", rep);
        }

        for (var rep = 1; rep <= options.Reps; rep++)
        {
            var window = await OpenLoopAsync(workers, half, InsertAsync, meter, cancellationToken);
            Add("chat.pg_half.rate", "rows/s", meter.Calls / window.Seconds, rep); // under the offered rate when PostgreSQL cannot keep up
            Add("chat.pg_half.p50", "ms", meter.CallLatency.PercentileMs(0.50), rep);
            Add("chat.pg_half.p99", "ms", meter.CallLatency.PercentileMs(0.99), rep);
        }

        async Task InsertAsync(int i)
        {
            await using var command = dataSource.CreateCommand(AppendSql);
            command.Parameters.AddWithValue(netra.Chats[i]);
            command.Parameters.AddWithValue(netra.ChatMembers[i][0]);
            command.Parameters.AddWithValue(Payload());
            command.Parameters.AddWithValue(string.Create(CultureInfo.InvariantCulture, $"pg-{Environment.ProcessId}-{Interlocked.Increment(ref sequence)}-{Stopwatch.GetTimestamp()}"));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                // read the row, as Netra does
            }
        }
    }
}
