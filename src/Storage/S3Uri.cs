namespace LoraTrainer.Storage;

/// <summary>An object (or prefix) location written as <c>s3://bucket/key</c>.</summary>
internal sealed record S3Uri(string Bucket, string Key)
{
    /// <summary>The <c>s3://bucket/key</c> form shown to users.</summary>
    public override string ToString() => $"s3://{Bucket}/{Key}";

    /// <summary>Parses <c>s3://bucket/key</c>; the key may be empty.</summary>
    public static S3Uri Parse(string value)
    {
        const string scheme = "s3://";
        if (!value.StartsWith(scheme, StringComparison.Ordinal) || value.Length == scheme.Length)
        {
            throw new FormatException($"'{value}' is not an s3://bucket/key URI.");
        }

        var rest = value[scheme.Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? new S3Uri(rest, "") : new S3Uri(rest[..slash], rest[(slash + 1)..]);
    }

    /// <summary>Parses <c>s3://bucket/key</c>; false when <paramref name="value"/> is not one.</summary>
    public static bool TryParse(string value, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out S3Uri? uri)
    {
        try
        {
            uri = Parse(value);
            return true;
        }
        catch (FormatException)
        {
            uri = null;
            return false;
        }
    }

    /// <summary>
    /// Treats a user's prefix as a folder: <c>people/anna</c> becomes <c>people/anna/</c>, so it neither matches
    /// <c>people/annabel/</c> nor glues file names onto the folder name. Empty stays empty (the whole bucket).
    /// </summary>
    public static string FolderPrefix(string? prefix) =>
        string.IsNullOrEmpty(prefix) || prefix.EndsWith('/') ? prefix ?? "" : prefix + "/";
}
