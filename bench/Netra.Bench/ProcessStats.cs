using System.Globalization;

namespace Netra.Bench;

/// <summary>RSS and CPU time of server processes, read from /proc (Linux).</summary>
public static class ProcessStats
{
    /// <summary>Resident set size in KiB, summed over <paramref name="pids"/>.</summary>
    public static long RssKiB(IEnumerable<int> pids)
    {
        long total = 0;
        foreach (var pid in pids)
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    total += long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
                }
            }
        }

        return total;
    }

    /// <summary>User plus system CPU time in seconds, summed over <paramref name="pids"/>.</summary>
    public static double CpuSeconds(IEnumerable<int> pids) => pids.Sum(pid => StatCpuSeconds($"/proc/{pid}/stat"));

    /// <summary>
    /// CPU seconds of each tier-1 compiler thread of <paramref name="pids"/>, by thread id: the runtime's ".NET Tiered
    /// Compilation Worker" (".NET Tiered Com" in /proc, which keeps 15 characters), where a .NET process recompiles its hot
    /// methods optimized. The runtime ends that thread when it has nothing to do and starts another later, so compare two
    /// readings with <see cref="Growth"/>. Empty for processes that are not .NET.
    /// </summary>
    public static Dictionary<int, double> CompilerCpuSeconds(IEnumerable<int> pids) => ThreadCpuSeconds(pids, ".NET Tiered Com");

    /// <summary>CPU seconds of each thread of <paramref name="pids"/> whose name (as /proc has it) starts with <paramref name="namePrefix"/>, by thread id.</summary>
    public static Dictionary<int, double> ThreadCpuSeconds(IEnumerable<int> pids, string namePrefix)
    {
        var result = new Dictionary<int, double>();
        foreach (var pid in pids)
        {
            foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                try
                {
                    if (File.ReadAllText(Path.Combine(task, "comm")).StartsWith(namePrefix, StringComparison.Ordinal))
                    {
                        result[int.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture)] = StatCpuSeconds(Path.Combine(task, "stat"));
                    }
                }
                catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
                {
                    // the thread ended between listing and reading: it has nothing more to count
                }
            }
        }

        return result;
    }

    /// <summary>
    /// CPU seconds used between two readings keyed by process or thread id: what each one still present used since the
    /// first reading, and all of what a new one used (one that ended in between counts nothing for its last stretch).
    /// </summary>
    public static double Growth(IReadOnlyDictionary<int, double> before, IReadOnlyDictionary<int, double> after) =>
        after.Sum(kv => Math.Max(0, kv.Value - before.GetValueOrDefault(kv.Key)));

    /// <summary>
    /// Processes in one of two readings of a tree (<see cref="TreeCpuSeconds"/>) and not in the other: those that started
    /// between them and those that ended. For PostgreSQL, sessions opened and closed.
    /// </summary>
    public static int Turnover(IReadOnlyDictionary<int, double> before, IReadOnlyDictionary<int, double> after) =>
        after.Keys.Count(pid => !before.ContainsKey(pid)) + before.Keys.Count(pid => !after.ContainsKey(pid));

    /// <summary>CPU seconds of <paramref name="rootPid"/> and each of its children (PostgreSQL's backends are children of the postmaster).</summary>
    public static Dictionary<int, double> TreeCpuSeconds(int rootPid)
    {
        var pids = new List<int> { rootPid };
        foreach (var task in Directory.EnumerateDirectories($"/proc/{rootPid}/task"))
        {
            var children = Path.Combine(task, "children");
            if (File.Exists(children))
            {
                pids.AddRange(File.ReadAllText(children).Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(p => int.Parse(p, CultureInfo.InvariantCulture)));
            }
        }

        var result = new Dictionary<int, double>();
        foreach (var pid in pids.Distinct())
        {
            try
            {
                result[pid] = CpuSeconds([pid]);
            }
            catch (IOException)
            {
                // exited meanwhile
            }
        }

        return result;
    }

    /// <summary>User plus system CPU seconds from a /proc stat file (of a process or of one of its threads).</summary>
    private static double StatCpuSeconds(string path)
    {
        var stat = File.ReadAllText(path);
        // Fields after the command name (which may hold spaces) start after the last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return ticks / 100.0; // USER_HZ is 100 on Linux
    }
}
