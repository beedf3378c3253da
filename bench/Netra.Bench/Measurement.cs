namespace Netra.Bench;

/// <summary>One figure of one repetition. The report takes the median over repetitions of (System, Metric).</summary>
public sealed record Measurement(string System, string Metric, string Unit, double Value, int Rep);
