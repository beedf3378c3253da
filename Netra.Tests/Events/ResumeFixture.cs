using Netra.Tests.Backplane;

namespace Netra.Tests.Events;

/// <summary>Two nodes and Redis, with send limits raised for continuous publishing and a short alerts history.</summary>
public sealed class ResumeFixture : ScaleoutFixture
{
    public const int AlertsKept = 5;

    public override int NodeCount => 2;

    protected override void Configure(IDictionary<string, string?> settings)
    {
        settings["Netra:Limits:MessagesPerMinute"] = "100000";
        settings["Netra:Limits:CallsPerMinute"] = "100000";
        settings["Netra:Limits:PublishesPerMinutePerService"] = "100000";
        settings["Netra:Events:Retention:alerts:MaxEvents"] = AlertsKept.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["Netra:Events:RetentionSweepSeconds"] = "1";
    }
}
