namespace Netra.Bench;

/// <summary>A measured window: its length and the CPU used in it (% of one core; -1 where not measured).</summary>
public sealed record WindowResult(double Seconds, double ServerCpu, double PostgresCpu, double GeneratorCpu)
{
    public static WindowResult From((double Server, double Postgres, double Generator, double Seconds) cpu) =>
        new(cpu.Seconds, cpu.Server, cpu.Postgres, cpu.Generator);
}
