using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Dashboard;

/// <summary>The dashboard's settings (section <c>Dashboard</c>).</summary>
[UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "The TimeSpan ranges are checked by the generated DashboardOptionsAttributeValidator, which does not build the attributes through their type converter.")]
internal sealed class DashboardOptions
{
    /// <summary>The configuration section bound to these options.</summary>
    public const string Section = "Dashboard";

    /// <summary>Path of a kubeconfig; unset means $KUBECONFIG, ~/.kube/config, else the pod's service account.</summary>
    public string? Kubeconfig { get; set; }

    /// <summary>Who a request is from. Defaults to <see cref="DashboardAuthentication.None"/>: localhost only.</summary>
    public DashboardAuthentication Authentication { get; set; } = DashboardAuthentication.None;

    /// <summary>The header an authenticating proxy puts the user name in. Defaults to <c>X-Remote-User</c>, as the API server's front proxy does.</summary>
    [Required]
    public string UserHeader { get; set; } = "X-Remote-User";

    /// <summary>The header (repeated, or comma-separated) holding the user's groups. Defaults to <c>X-Remote-Group</c>.</summary>
    [Required]
    public string GroupHeader { get; set; } = "X-Remote-Group";

    /// <summary>How long a presigned GET for an image or a download stays valid. Defaults to 5 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "01:00:00")]
    public TimeSpan PresignExpiry { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long an answer of TokenReview or SubjectAccessReview is reused. Defaults to 30 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan ReviewCacheDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How many of a run's Events are kept and shown, newest first. Defaults to 50.</summary>
    [Range(1, 1000)]
    public int EventsPerRun { get; set; } = 50;
}

/// <summary>How the dashboard learns who is asking.</summary>
internal enum DashboardAuthentication
{
    /// <summary>No one is asked: it listens on localhost only (reach it with <c>kubectl port-forward</c>) and shows what its own account may read.</summary>
    None,

    /// <summary>An authenticating proxy in front passes the user and groups in trusted headers.</summary>
    Proxy,

    /// <summary>Each request carries a bearer token, checked with a TokenReview.</summary>
    TokenReview,
}

/// <summary>Checks <see cref="DashboardOptions"/> against its attributes with code generated at build time, not the reflection-based data-annotations validation, which trimming cannot keep.</summary>
[OptionsValidator]
internal sealed partial class DashboardOptionsAttributeValidator : IValidateOptions<DashboardOptions>;
