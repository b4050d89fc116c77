using System.Xml.Linq;

namespace LoraTrainer.Chart.Tests.Images;

/// <summary>The one Dockerfile that builds the operator and the receiver, the process named by its PROJECT argument.</summary>
public sealed class DockerfileTests
{
    private const string DockerfilePath = "src/Dockerfile";

    public static TheoryData<string> Processes => new() { "Operator", "Webhook", "Dashboard" };

    [Theory]
    [MemberData(nameof(Processes))]
    public void Dockerfile_CopiesEveryProjectTheProcessBuildsFrom(string process)
    {
        var dockerfile = ChartFiles.Read(DockerfilePath);
        var ignore = ChartFiles.Read(DockerfilePath + ".dockerignore");

        var projects = ReferencedProjects($"src/{process}/LoraTrainer.{process}.csproj").ToList();

        Assert.Contains($"src/{process}", projects);
        Assert.All(projects, folder =>
        {
            var name = Path.GetFileName(folder);
            Assert.True(dockerfile.Contains($"COPY {folder}/LoraTrainer.{name}.csproj {folder}/", StringComparison.Ordinal)
                && dockerfile.Contains($"COPY {folder}/ {folder}/", StringComparison.Ordinal)
                && ignore.Contains($"!{folder}/**", StringComparison.Ordinal),
                $"{DockerfilePath} builds {process} from {folder}: copy its project file before the restore, the folder after it, and un-ignore it in Dockerfile.dockerignore.");
        });
    }

    [Theory]
    [MemberData(nameof(Processes))]
    public void Image_RunsAsTheNonRootUserAndPortTheChartExpects(string process)
    {
        var dockerfile = ChartFiles.Read(DockerfilePath);
        var project = XDocument.Parse(ChartFiles.Read($"src/{process}/LoraTrainer.{process}.csproj"));
        var values = ChartFiles.DefaultValues();
        var uid = values["podSecurityContext"]!["runAsUser"]!.GetValue<long>().ToString(System.Globalization.CultureInfo.InvariantCulture);

        Assert.Matches($"(?m)^USER {uid}$", dockerfile);
        Assert.Equal(uid, project.Descendants("ContainerUser").Single().Value);
        Assert.Matches("(?m)^EXPOSE 8080$", dockerfile);
        Assert.Equal("8080", project.Descendants("ContainerPort").Single().Attribute("Include")!.Value);
        Assert.Contains("aspnet:10.0-noble-chiseled", dockerfile, StringComparison.Ordinal);
        Assert.Equal("noble-chiseled", project.Descendants("ContainerFamily").Single().Value);
    }

    [Theory]
    [InlineData("Operator", "operator")]
    [InlineData("Webhook", "receiver")]
    [InlineData("Dashboard", "dashboard")]
    public void ContainerRepository_IsTheImageTheChartDeploys(string process, string component)
    {
        var project = XDocument.Parse(ChartFiles.Read($"src/{process}/LoraTrainer.{process}.csproj"));
        var repository = ChartFiles.DefaultValues()[component]!["image"]!["repository"]!.GetValue<string>();

        Assert.EndsWith("/" + project.Descendants("ContainerRepository").Single().Value, repository, StringComparison.Ordinal);
        Assert.Contains($"docker build -f {DockerfilePath} --build-arg PROJECT={process}", ChartFiles.Read(DockerfilePath), StringComparison.Ordinal);
        Assert.Matches($@"docker build -f {DockerfilePath} --build-arg PROJECT={process} +-t [^ ]+/{project.Descendants("ContainerRepository").Single().Value}:", ChartFiles.Read("docs/install.md"));
    }

    [Fact]
    public void Dockerfile_BuildsTheProcessItsProjectArgumentNames_AndStartsItsLauncher()
    {
        var dockerfile = ChartFiles.Read(DockerfilePath);

        Assert.Contains("dotnet publish \"src/${PROJECT}/LoraTrainer.${PROJECT}.csproj\"", dockerfile, StringComparison.Ordinal);
        Assert.Contains("ln -s \"LoraTrainer.${PROJECT}\" /app/loratrainer", dockerfile, StringComparison.Ordinal);
        Assert.Matches("(?m)^ENTRYPOINT \\[\"/app/loratrainer\"\\]$", dockerfile);
        Assert.False(File.Exists(ChartFiles.PathOf("src/Operator/Dockerfile")) || File.Exists(ChartFiles.PathOf("src/Webhook/Dockerfile")),
            "the operator and the receiver are built from src/Dockerfile only");
    }

    [Fact]
    public void DefaultTarget_IsTheNativeAotBuildOnTheRuntimeDepsBase_AndTheJitBuildStaysATarget()
    {
        var dockerfile = ChartFiles.Read(DockerfilePath);
        var stages = System.Text.RegularExpressions.Regex.Matches(dockerfile, @"(?m)^FROM (?:--platform=\S+ )?(?<image>\S+) AS (?<name>\S+)$")
            .Select(m => (Name: m.Groups["name"].Value, Image: m.Groups["image"].Value))
            .ToList();

        Assert.Equal(("aot", "${RUNTIME_DEPS_IMAGE}"), stages[^1]);
        Assert.Matches("(?m)^ARG RUNTIME_DEPS_IMAGE=mcr.microsoft.com/dotnet/runtime-deps:10.0(-[a-z-]+)?$", dockerfile);
        Assert.Contains(("jit", "${ASPNET_IMAGE}"), stages);
        Assert.Contains(("build-aot", "${DOTNET_AOT_SDK_IMAGE}"), stages);
        Assert.Contains("COPY --from=build-aot /app ./", dockerfile, StringComparison.Ordinal);
        Assert.Contains("COPY --from=build-jit /app ./", dockerfile, StringComparison.Ordinal);
        Assert.Matches(@"(?s)AS build-aot\n.*-p:PublishAot=true.*\nFROM ", dockerfile);
        // The operator's and the receiver's projects publish as Native AOT by default: the JIT stage must say it is not.
        Assert.Matches(@"(?s)AS build-jit\n.*dotnet restore [^\n]*-p:PublishAot=false.*dotnet publish [^\n]*\n[^\n]*-p:PublishAot=false.*\nFROM ", dockerfile);
    }

    [Theory]
    [InlineData("Operator", false)]
    [InlineData("Webhook", false)]
    [InlineData("Dashboard", true)]
    public void BuildCommands_OfTheOperatorAndReceiverTakeTheDefaultNativeTarget_AndTheDashboardsTheJitOne(string process, bool jit)
    {
        foreach (var text in new[] { ChartFiles.Read(DockerfilePath), ChartFiles.Read("docs/install.md") })
        {
            var command = System.Text.RegularExpressions.Regex.Match(text, $@"docker build -f {DockerfilePath} --build-arg PROJECT={process} [^\n]*").Value;

            Assert.Equal(jit, command.Contains("--target jit", StringComparison.Ordinal));
        }
    }

    /// <summary>The folders (relative to the repository) of a project and every project it references, transitively.</summary>
    private static IEnumerable<string> ReferencedProjects(string projectPath)
    {
        var seen = new HashSet<string>();
        var pending = new Stack<string>([projectPath]);
        while (pending.TryPop(out var path))
        {
            var folder = Path.GetDirectoryName(path)!.Replace('\\', '/');
            if (!seen.Add(folder))
            {
                continue;
            }

            foreach (var reference in XDocument.Parse(ChartFiles.Read(path)).Descendants("ProjectReference"))
            {
                var relative = reference.Attribute("Include")!.Value.Replace('\\', '/');
                pending.Push(Normalize($"{folder}/{relative}"));
            }
        }

        return seen;
    }

    private static string Normalize(string path)
    {
        var parts = new List<string>();
        foreach (var part in path.Split('/'))
        {
            if (part == "..")
            {
                parts.RemoveAt(parts.Count - 1);
            }
            else if (part != ".")
            {
                parts.Add(part);
            }
        }

        return string.Join('/', parts);
    }
}
