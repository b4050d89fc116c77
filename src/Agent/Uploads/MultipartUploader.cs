using System.Security.Cryptography;
using System.Text.Json;
using LoraTrainer.Agent.Running;
using LoraTrainer.Protocol;
using Microsoft.Extensions.Logging;

namespace LoraTrainer.Agent.Uploads;

/// <summary>A file sent as a multipart upload, ready for the operator to complete.</summary>
/// <param name="Bytes">Its size.</param>
/// <param name="Sha256">Its lowercase hex SHA-256.</param>
/// <param name="Parts">Every part, in order, with the ETag the store answered.</param>
internal sealed record MultipartUploadResult(long Bytes, string Sha256, IReadOnlyList<UploadedPartETag> Parts);

/// <summary>
/// Sends a large file through the presigned part PUTs of a <see cref="MultipartUploadTarget"/>: one part at a time,
/// streamed from disk (memory stays at one read buffer whatever the size), each part retried with backoff, and the
/// SHA-256 computed from the bytes as they are sent. Parts the store has taken are written to a journal beside the
/// file, so an agent restarted in the same work directory sends only the parts still missing.
/// </summary>
internal sealed class MultipartUploader(PresignedPut put, ILogger<MultipartUploader> logger)
{
    /// <summary>The journal of <paramref name="path"/>'s upload.</summary>
    public static string JournalOf(string path) => path + ".upload.json";

    /// <summary>Uploads <paramref name="path"/>; throws <see cref="StageFailure"/> (stage upload) when it cannot.</summary>
    /// <param name="path">The file; it must not change while being sent.</param>
    /// <param name="target">The upload and its part URLs (never logged).</param>
    /// <param name="what">Names the file in messages.</param>
    /// <param name="cancellationToken">Stops the upload; the parts sent stay in the journal.</param>
    public async Task<MultipartUploadResult> UploadAsync(string path, MultipartUploadTarget target, string what, CancellationToken cancellationToken)
    {
        var bytes = new FileInfo(path).Length;
        if (target.PartSize < 1 || bytes > target.MaxBytes)
        {
            throw new StageFailure(Stages.Upload, $"{what} is {bytes} bytes, more than the {target.Parts.Count} parts of {target.PartSize} bytes it was given room for.");
        }

        var count = (int)Math.Max(1, (bytes + target.PartSize - 1) / target.PartSize);
        var journal = await ReadJournalAsync(path, target.UploadId, bytes, cancellationToken);
        var hash = new SentBytesHash();
        var parts = new List<UploadedPartETag>(count);
        var host = target.Parts.Count > 0 ? new Uri(target.Parts[0].Url).Host : "";
        UploadLog.MultipartStarting(logger, what, host, bytes, count, journal.Count);
        for (var number = 1; number <= count; number++)
        {
            var offset = (number - 1) * target.PartSize;
            var length = Math.Min(target.PartSize, bytes - offset);
            if (journal.TryGetValue(number, out var etag))
            {
                await hash.ReadAsync(path, offset, length, cancellationToken);
            }
            else
            {
                var url = target.Parts.FirstOrDefault(p => p.PartNumber == number)?.Url
                    ?? throw new StageFailure(Stages.Upload, $"{what} has no URL for part {number}.");
                etag = await SendPartAsync(path, offset, length, url, hash, $"{what} part {number}/{count}", cancellationToken);
                journal[number] = etag;
                await WriteJournalAsync(path, target.UploadId, bytes, journal, cancellationToken);
            }

            parts.Add(new UploadedPartETag { PartNumber = number, ETag = etag });
        }

        var sha256 = hash.Finish();
        UploadLog.Finished(logger, what, bytes, sha256);
        return new MultipartUploadResult(bytes, sha256, parts);
    }

    private Task<string> SendPartAsync(string path, long offset, long length, string url, SentBytesHash hash, string what, CancellationToken cancellationToken) =>
        put.SendAsync(url, what, stall => new WatchedFileContent(path, offset, length, stall, hash.Sent),
            response => response.Headers.ETag is { } etag ? (etag.Tag, null) : ("", "no ETag in the answer"), cancellationToken);

    private static async Task<Dictionary<int, string>> ReadJournalAsync(string path, string uploadId, long bytes, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = File.OpenRead(JournalOf(path));
            var journal = await JsonSerializer.DeserializeAsync(stream, AgentJsonContext.Default.UploadJournal, cancellationToken);
            // Another upload, or a file that changed since, starts over: its parts belong to something else.
            if (journal is not null && journal.UploadId == uploadId && journal.Bytes == bytes)
            {
                return journal.Parts.ToDictionary(p => p.PartNumber, p => p.ETag);
            }
        }
        catch (Exception ex) when (ex is FileNotFoundException or JsonException or DirectoryNotFoundException)
        {
            // No journal, or one cut short by a crash: send every part.
        }

        return [];
    }

    private static async Task WriteJournalAsync(string path, string uploadId, long bytes, Dictionary<int, string> parts, CancellationToken cancellationToken)
    {
        var journal = new UploadJournal(uploadId, bytes, [.. parts.OrderBy(p => p.Key).Select(p => new UploadedPartETag { PartNumber = p.Key, ETag = p.Value })]);
        var temporary = JournalOf(path) + ".tmp";
        await File.WriteAllBytesAsync(temporary, JsonSerializer.SerializeToUtf8Bytes(journal, AgentJsonContext.Default.UploadJournal), cancellationToken);
        File.Move(temporary, JournalOf(path), overwrite: true);
    }

    /// <summary>The parts of a multipart upload sent so far, kept beside the file so that a restarted agent sends only the rest.</summary>
    internal sealed record UploadJournal(string UploadId, long Bytes, IReadOnlyList<UploadedPartETag> Parts);

    /// <summary>
    /// SHA-256 of the file in order, fed by the bytes as they are sent: a retried part sends bytes already hashed, so
    /// only those past the hashed length are taken.
    /// </summary>
    private sealed class SentBytesHash
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private long _hashed;

        public void Sent(long position, ReadOnlyMemory<byte> chunk)
        {
            var end = position + chunk.Length;
            if (position <= _hashed && end > _hashed)
            {
                _hash.AppendData(chunk.Span[(int)(_hashed - position)..]);
                _hashed = end;
            }
        }

        /// <summary>Hashes a part sent by an earlier run without sending it again.</summary>
        public async Task ReadAsync(string path, long offset, long length, CancellationToken cancellationToken)
        {
            await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, useAsync: true);
            file.Position = offset;
            var buffer = new byte[1 << 20];
            for (var left = length; left > 0;)
            {
                var read = await file.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), cancellationToken);
                if (read == 0)
                {
                    throw new IOException($"{path} ended before its part at {offset} did.");
                }

                Sent(file.Position - read, buffer.AsMemory(0, read));
                left -= read;
            }
        }

        public string Finish() => Convert.ToHexStringLower(_hash.GetHashAndReset());
    }
}
