using LoraTrainer.Operator.Storage;
using Microsoft.Extensions.Logging;

namespace LoraTrainer.Operator.Datasets;

/// <summary>Log messages of the dataset stage. Datasets are named by S3 URI; presigned URLs are never logged.</summary>
internal static partial class DatasetLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Dataset {Source} refused ({Reason}): {Detail}")]
    public static partial void Refused(ILogger logger, string source, DatasetRefusalReason reason, string detail);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Dataset zip {Zip} already exists ({Bytes} bytes); reusing it")]
    public static partial void Reused(ILogger logger, S3Uri zip, long bytes);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Information, Message = "Dataset zip {Zip} written: {Images} images, {Bytes} bytes in {Parts} parts")]
    public static partial void Written(ILogger logger, S3Uri zip, int images, long bytes, int parts);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "Dataset zip {Zip} failed; multipart upload {UploadId} aborted: {Cause}")]
    public static partial void Aborted(ILogger logger, S3Uri zip, string uploadId, string cause);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Error, Message = "Dataset zip {Zip} failed and aborting multipart upload {UploadId} failed too; its parts may remain until the bucket's lifecycle rule removes them: {Error}")]
    public static partial void AbortFailed(ILogger logger, S3Uri zip, string uploadId, string error);
}
