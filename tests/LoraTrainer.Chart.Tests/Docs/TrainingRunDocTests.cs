using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using k8s;
using LoraTrainer.Api;
using LoraTrainer.Cluster;
using LoraTrainer.Operator.TrainingRuns;
using LoraTrainer.Protocol.SdScripts;
using LoraTrainer.Testing.Kubernetes;
using LoraTrainer.Testing.Kubernetes.Validation;

namespace LoraTrainer.Chart.Tests.Docs;

/// <summary>docs/trainingrun.md against the generated CRD and the code behind the defaults it states.</summary>
public sealed partial class TrainingRunDocTests
{
    private const string Doc = "docs/trainingrun.md";

    private static readonly string Markdown = ChartFiles.Read(Doc);
    private static readonly IReadOnlyList<MarkdownTable> Tables = MarkdownTable.All(Markdown);

    [Theory]
    [InlineData("spec")]
    [InlineData("status")]
    public void TrainingRunDoc_HasAFieldRowForEveryPropertyOfTheCrd(string root)
    {
        var missing = TrainingRunCrd.Fields(root).Where(field => RowOf(field.Path) is null).Select(field => field.Path).ToList();

        Assert.True(missing.Count == 0,
            $"{Doc} has no row for these fields of {TrainingRunCrd.File}: {string.Join(", ", missing)}. Add a row to the field table of their section, with the path in backticks in the first cell.");
    }

    [Fact]
    public void TrainingRunDoc_DescribesNoFieldTheCrdDoesNotHave()
    {
        var known = TrainingRunCrd.Fields("spec").Concat(TrainingRunCrd.Fields("status")).Select(field => field.Path).ToHashSet();

        var stale = FieldTables().SelectMany(table => table.Rows).SelectMany(row => MarkdownTables.CodeSpans(row[0]))
            .Where(path => path.StartsWith("spec.", StringComparison.Ordinal) || path.StartsWith("status.", StringComparison.Ordinal))
            .Where(path => !known.Contains(path))
            .ToList();

        Assert.True(stale.Count == 0, $"{Doc} describes fields {TrainingRunCrd.File} does not have: {string.Join(", ", stale)}");
    }

    [Fact]
    public void TrainingRunDoc_ListsEveryEnumValueOfTheSpecInItsFieldsRow()
    {
        var enums = TrainingRunCrd.Fields("spec").Where(field => field.Enum.Count > 0).ToList();

        var missing = enums
            .SelectMany(field => field.Enum
                .Where(value => !MarkdownTables.CodeSpans(CellOf(field.Path, "allowed values")).Contains(value))
                .Select(value => $"{field.Path}: {value}"))
            .ToList();

        Assert.Contains(enums, field => field.Path == "spec.baseModel.family");
        Assert.True(missing.Count == 0, $"{Doc} does not list these enum values in the 'allowed values' cell of their field: {string.Join(", ", missing)}");
    }

    [Fact]
    public void TrainingRunDoc_StatesTheTypeDefaultBoundsAndRequirednessTheCrdSets()
    {
        var wrong = new List<string>();
        // Fields without a row are the concern of TrainingRunDoc_HasAFieldRowForEveryPropertyOfTheCrd.
        foreach (var field in TrainingRunCrd.Fields("spec").Concat(TrainingRunCrd.Fields("status")).Where(field => RowOf(field.Path) is not null))
        {
            var type = CellOf(field.Path, "type");
            if (field.Type is { } crdType && !type.Contains(crdType, StringComparison.Ordinal))
            {
                wrong.Add($"{field.Path}: type '{type}', the CRD says {crdType}");
            }

            var defaults = MarkdownTables.CodeSpans(CellOf(field.Path, "default"));
            if (field.Default is { } crdDefault && !defaults.Any(value => SameValue(value, crdDefault)))
            {
                wrong.Add($"{field.Path}: default '{CellOf(field.Path, "default")}', the CRD defaults to {crdDefault}");
            }

            var allowed = CellOf(field.Path, "allowed values");
            var numbers = NumberIn().Matches(allowed).Select(m => double.Parse(m.Value, NumberStyles.Float, CultureInfo.InvariantCulture)).ToList();
            foreach (var (keyword, bound) in field.Bounds.Where(b => !numbers.Contains(b.Value)))
            {
                wrong.Add($"{field.Path}: '{allowed}' does not state the CRD's {keyword} {bound.ToString(CultureInfo.InvariantCulture)}");
            }

            if (field.Required && !allowed.Contains("required", StringComparison.OrdinalIgnoreCase))
            {
                wrong.Add($"{field.Path}: the CRD requires it, but '{allowed}' does not say so");
            }
        }

        Assert.True(wrong.Count == 0, $"{Doc} disagrees with {TrainingRunCrd.File}:\n  {string.Join("\n  ", wrong)}");
    }

    [Theory]
    [InlineData(ModelFamily.Sd15)]
    [InlineData(ModelFamily.Sdxl)]
    [InlineData(ModelFamily.Flux)]
    public void TrainingRunDoc_FamilyDefaultsAreTheOnesTheOperatorApplies(ModelFamily family)
    {
        var name = JsonSerializer.Serialize(family).Trim('"');
        var table = Tables.Single(t => t.Header.Contains($"`{name}`"));
        var defaults = TrainingDefaults.For(family);
        List<(string Row, string Value)> expected =
        [
            .. typeof(ResolvedTraining).GetProperties()
                .Where(property => property.Name != nameof(ResolvedTraining.Family))
                .Select(property => (SpecPathOf(property.Name), Wire(property.GetValue(defaults)!))),
            ("spec.gpu.minGpuRamGb", Wire(TrainingDefaults.MinGpuRamGb(family))),
            ("spec.gpu.diskGb", Wire(TrainingDefaults.DiskGb(family))),
            ("training script", SdScriptsRules.Family(name).Script),
            ("network module", SdScriptsRules.Family(name).NetworkModule),
        ];
        var specPaths = TrainingRunCrd.Fields("spec").Select(field => field.Path).ToHashSet();

        var wrong = expected.Select(e =>
            {
                if (e.Row.StartsWith("spec.", StringComparison.Ordinal) && !specPaths.Contains(e.Row))
                {
                    return $"{e.Row} is not a field of the CRD";
                }

                var row = table.Rows.SingleOrDefault(row => row[0] == e.Row || MarkdownTables.CodeSpans(row[0]).Contains(e.Row));
                return row is null ? $"{e.Row} has no row"
                    : MarkdownTables.CodeSpans(table.Cell(row, $"`{name}`") ?? "").Any(value => SameValue(value, e.Value)) ? null
                    : $"{e.Row} should be `{e.Value}`";
            })
            .OfType<string>()
            .ToList();

        Assert.True(wrong.Count == 0, $"{Doc}'s family defaults for {name} differ from TrainingDefaults: {string.Join(", ", wrong)}");
    }

    [Fact]
    public void TrainingRunDoc_ListsExactlyTheExtraArgsOnTheAllowlist()
    {
        var listed = MarkdownTables.Column(Markdown, "### `extraArgs`", 2)
            .SelectMany(cell => MarkdownTables.CodeSpans(cell))
            .ToHashSet();

        Assert.True(listed.SetEquals(SdScriptsRules.ExtraArgs),
            $"{Doc}'s extraArgs table should list exactly SdScriptsRules.ExtraArgs. Missing: {string.Join(", ", SdScriptsRules.ExtraArgs.Except(listed).Order())}; not allowed: {string.Join(", ", listed.Except(SdScriptsRules.ExtraArgs).Order())}");
    }

    [Fact]
    public void TrainingRunDoc_ExplainsEveryPhaseConditionAndPrinterColumn()
    {
        var phases = MarkdownTables.Column(Markdown, "### Phases", 1).SelectMany(cell => MarkdownTables.CodeSpans(cell)).ToHashSet();
        var conditions = MarkdownTables.Column(Markdown, "### Conditions", 1).SelectMany(cell => MarkdownTables.CodeSpans(cell)).ToHashSet();
        var columns = MarkdownTables.Column(Markdown, "### `kubectl get trainingruns`", 1).Zip(MarkdownTables.Column(Markdown, "### `kubectl get trainingruns`", 2))
            .Select(pair => (Name: pair.First.Trim('`'), Path: pair.Second.Trim('`'))).ToHashSet();

        var missing = TrainingRunCrd.Fields("status").Single(field => field.Path == "status.phase").Enum
            .Where(phase => !phases.Contains(phase)).Select(phase => $"phase {phase}")
            .Concat(ConditionTypes.All.Where(type => !conditions.Contains(type)).Select(type => $"condition {type}"))
            .Concat(TrainingRunCrd.PrinterColumns()
                .Select(column => (Name: column["name"]!.GetValue<string>(), Path: column["jsonPath"]!.GetValue<string>()))
                .Where(column => !columns.Contains(column))
                .Select(column => $"column {column.Name} ({column.Path})"))
            .ToList();

        Assert.True(missing.Count == 0, $"{Doc} does not explain: {string.Join(", ", missing)}");
    }

    [Fact]
    public void TrainingRunDoc_ExampleIsAcceptedByTheApiServerAndTheOperator()
    {
        var validator = CustomResourceValidator.FromCrd(ChartFiles.Yaml(TrainingRunCrd.File).AsObject());
        var examples = YamlBlock().Matches(Markdown)
            .SelectMany(block => Manifests.Parse(block.Groups[1].Value))
            .Where(manifest => manifest["kind"]?.GetValue<string>() == TrainingRun.KindName)
            .ToList();

        var refusals = examples
            .SelectMany(example => validator.Validate(example)
                .Concat(SdScriptsPreflight.ExtraArgErrors(ClusterJson.Deserialize<TrainingRun>(example.ToJsonString()).Spec.Training?.ExtraArgs)))
            .ToList();

        Assert.NotEmpty(examples);
        Assert.True(refusals.Count == 0, $"the example TrainingRun in {Doc} would be refused: {string.Join("; ", refusals)}");
    }

    [Fact]
    public void TrainingRunDoc_LinksOnlyToHeadingsAndFilesThatExist()
    {
        var broken = Link().Matches(Markdown)
            .Select(match => (File: match.Groups[1].Value, Anchor: match.Groups[2].Value))
            .Where(link => !link.File.StartsWith("http", StringComparison.Ordinal))
            .Where(link =>
            {
                var file = Path.GetFullPath(link.File.Length == 0 ? ChartFiles.PathOf(Doc) : Path.Combine(ChartFiles.PathOf("docs"), link.File));
                return !File.Exists(file) || link.Anchor.Length > 0 && !Anchors(File.ReadAllText(file)).Contains(link.Anchor);
            })
            .Select(link => $"{link.File}#{link.Anchor}")
            .ToList();

        Assert.True(broken.Count == 0, $"{Doc} links to files or headings that do not exist: {string.Join(", ", broken)}");
    }

    /// <summary>The tables that describe fields: first column <c>field</c>.</summary>
    private static IEnumerable<MarkdownTable> FieldTables() => Tables.Where(table => table.Header[0] == "field");

    /// <summary>The field-reference row (a table with a type column) whose first cell names <paramref name="path"/>.</summary>
    private static (MarkdownTable Table, IReadOnlyList<string> Row)? RowOf(string path) =>
        FieldTables().Where(table => table.Header.Contains("type"))
            .SelectMany(table => table.Rows.Select(row => (Table: table, Row: row)))
            .Where(entry => MarkdownTables.CodeSpans(entry.Row[0]).Contains(path))
            .Select(entry => ((MarkdownTable, IReadOnlyList<string>)?)entry)
            .FirstOrDefault();

    private static string CellOf(string path, string column) =>
        RowOf(path) is { } found ? found.Table.Cell(found.Row, column) ?? "" : "";

    /// <summary>The spec field a resolved training value comes from: the resolution is the dataset's, the rest are training's.</summary>
    private static string SpecPathOf(string property) => property == nameof(ResolvedTraining.Resolution)
        ? "spec.dataset.resolution"
        : $"spec.training.{JsonNamingPolicy.CamelCase.ConvertName(property)}";

    private static bool SameValue(string documented, string expected) =>
        double.TryParse(documented, NumberStyles.Float, CultureInfo.InvariantCulture, out var left)
        && double.TryParse(expected, NumberStyles.Float, CultureInfo.InvariantCulture, out var right)
            ? Math.Abs(left - right) <= 1e-12 * Math.Max(1, Math.Abs(right))
            : string.Equals(documented, expected, StringComparison.Ordinal);

    /// <summary>A default as a manifest spells it: enums by their JSON name, numbers invariantly.</summary>
    private static string Wire(object value) => value switch
    {
        Enum => JsonSerializer.Serialize(value, value.GetType()).Trim('"'),
        IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>GitHub's heading anchors: lower case, punctuation other than '-' and '_' dropped, spaces to '-'.</summary>
    private static HashSet<string> Anchors(string markdown)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var fenced = false;
        foreach (var line in markdown.Split('\n'))
        {
            fenced ^= line.StartsWith("```", StringComparison.Ordinal);
            if (!fenced && Heading().Match(line) is { Success: true } heading)
            {
                anchors.Add(AnchorPunctuation().Replace(heading.Groups[1].Value.Trim().ToLowerInvariant(), "").Replace(' ', '-'));
            }
        }

        return anchors;
    }

    [GeneratedRegex(@"(?<![\w.])\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")]
    private static partial Regex NumberIn();

    [GeneratedRegex("```yaml\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex YamlBlock();

    [GeneratedRegex(@"\]\(([^)#\s]*)(?:#([^)\s]+))?\)")]
    private static partial Regex Link();

    [GeneratedRegex(@"^#{1,6}\s+(.+)$")]
    private static partial Regex Heading();

    [GeneratedRegex(@"[^\p{L}\p{N}\s_-]")]
    private static partial Regex AnchorPunctuation();
}
