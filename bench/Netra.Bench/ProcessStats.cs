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
    public static double CpuSeconds(IEnumerable<int> pids)
    {
        double total = 0;
        foreach (var pid in pids)
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // Fields after the command name (which may hold spaces) start after the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            total += ticks / 100.0; // USER_HZ is 100 on Linux
        }

        return total;
    }

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
}
