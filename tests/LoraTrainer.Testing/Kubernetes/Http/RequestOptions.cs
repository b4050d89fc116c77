using System.Globalization;
using LoraTrainer.Testing.Kubernetes.Semantics;
using Microsoft.AspNetCore.Http;

namespace LoraTrainer.Testing.Kubernetes.Http;

/// <summary>The query parameters of a Kubernetes API request that change what the fake does.</summary>
internal sealed record RequestOptions
{
    public bool Watch { get; init; }

    public string? ResourceVersion { get; init; }

    public string? ResourceVersionMatch { get; init; }

    public string? LabelSelector { get; init; }

    public string? FieldSelector { get; init; }

    public int? Limit { get; init; }

    public string? Continue { get; init; }

    public int? TimeoutSeconds { get; init; }

    public bool AllowWatchBookmarks { get; init; }

    public bool? SendInitialEvents { get; init; }

    public bool DryRun { get; init; }

    public FieldValidation FieldValidation { get; init; } = FieldValidation.Warn;

    public string? PropagationPolicy { get; init; }

    public string IncludeObject { get; init; } = "Metadata";

    /// <summary>Who makes the write (required for server-side apply).</summary>
    public string? FieldManager { get; init; }

    /// <summary>Server-side apply's <c>force</c>: take fields other managers own; null when the query does not say.</summary>
    public bool? Force { get; init; }

    public static RequestOptions From(IQueryCollection query)
    {
        string? Get(string key) => query.TryGetValue(key, out var v) && v.Count > 0 ? v[^1] : null;
        bool Flag(string key) => Get(key) is "true" or "1";

        return new RequestOptions
        {
            Watch = Flag("watch"),
            ResourceVersion = Get("resourceVersion"),
            ResourceVersionMatch = Get("resourceVersionMatch"),
            LabelSelector = Get("labelSelector"),
            FieldSelector = Get("fieldSelector"),
            Limit = Number(Get("limit"), "limit"),
            Continue = Get("continue"),
            TimeoutSeconds = Number(Get("timeoutSeconds"), "timeoutSeconds"),
            AllowWatchBookmarks = Flag("allowWatchBookmarks"),
            SendInitialEvents = Get("sendInitialEvents") is { } s ? s is "true" or "1" : null,
            DryRun = Get("dryRun") is { } dryRun && (dryRun == "All" ? true : throw KubeErrors.BadRequest($"Unsupported value: \"{dryRun}\": supported values: \"All\"")),
            FieldValidation = Get("fieldValidation") switch
            {
                null or "" or "Warn" => FieldValidation.Warn,
                "Strict" => FieldValidation.Strict,
                "Ignore" => FieldValidation.Ignore,
                var other => throw KubeErrors.BadRequest($"fieldValidation must be one of Ignore, Warn, or Strict, got {other}"),
            },
            PropagationPolicy = Get("propagationPolicy"),
            IncludeObject = Get("includeObject") ?? "Metadata",
            FieldManager = Get("fieldManager"),
            Force = Get("force") is { } force ? force is "true" or "1" : null,
        };
    }

    private static int? Number(string? text, string name) =>
        text is null ? null
        : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n
        : throw KubeErrors.BadRequest($"invalid value for {name}: {text}");
}
