namespace LoraTrainer.Agent.Downloads;

/// <summary>One file to fetch.</summary>
/// <param name="What">Names the file in messages, e.g. "dataset zip" (never the URL, which may be presigned).</param>
/// <param name="Stage">The stage a failure belongs to.</param>
/// <param name="Url">Where to fetch it.</param>
/// <param name="Authorization">Authorization header value, when the source needs one.</param>
/// <param name="Destination">The final path; a <c>.part</c> file beside it holds an unfinished download.</param>
/// <param name="ExpectedBytes">The size it must have, when known.</param>
/// <param name="ExpectedSha256">The lowercase hex SHA-256 it must have, when known.</param>
internal sealed record DownloadRequest(
    string What, string Stage, string Url, string? Authorization, string Destination, long? ExpectedBytes, string? ExpectedSha256);

/// <summary>A downloaded and verified file.</summary>
/// <param name="Path">Where it is.</param>
/// <param name="Bytes">Its size.</param>
/// <param name="Sha256">Its lowercase hex SHA-256.</param>
internal sealed record DownloadedFile(string Path, long Bytes, string Sha256);
