using Microsoft.Extensions.Options;
using Netra.Server.Storage;

namespace Netra.Server.Uploads;

/// <summary>
/// Every <see cref="UploadOptions.SweepSeconds"/>, deletes the uploads no message carries once
/// <see cref="UploadOptions.UnattachedHours"/> have passed (<see cref="UploadService.SweepAsync"/>), so that files
/// uploaded and never sent, or whose message was deleted, do not fill the disk. Several nodes may sweep at once:
/// each record is deleted by one of them, which then deletes its file.
/// </summary>
internal sealed class UploadSweeper(UploadService uploads, IOptions<UploadOptions> options, ILogger<UploadSweeper> logger)
    : PeriodicSweep(TimeSpan.FromSeconds(options.Value.SweepSeconds))
{
    protected override Task SweepAsync(CancellationToken cancellationToken) => uploads.SweepAsync(cancellationToken);

    protected override void SweepFailed(Exception exception) => UploadsLog.SweepFailed(logger, options.Value.SweepSeconds, exception);
}
