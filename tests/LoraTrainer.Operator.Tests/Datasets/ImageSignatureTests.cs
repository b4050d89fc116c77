using LoraTrainer.Datasets;
using LoraTrainer.Operator.Datasets;

namespace LoraTrainer.Operator.Tests.Datasets;

public sealed class ImageSignatureTests
{
    [Fact]
    public void Detect_WhenFileStartsWithARealHeader_ReturnsItsFormat()
    {
        Assert.Equal(ImageFormat.Jpeg, ImageSignature.Detect(TestImages.Jpeg()[..32]));
        Assert.Equal(ImageFormat.Png, ImageSignature.Detect(TestImages.Png()[..32]));
        Assert.Equal(ImageFormat.WebP, ImageSignature.Detect(TestImages.WebP()[..32]));
        Assert.Equal(ImageFormat.Bmp, ImageSignature.Detect(TestImages.Bmp()[..32]));
    }

    [Theory]
    [InlineData("a caption that was renamed to .jpg", "starts like a text file")]
    [InlineData("BM is also how this sentence begins, but it is text", "starts like a text file")]
    [InlineData("<html><body>Access denied</body></html>", "starts like an HTML or XML document")]
    [InlineData("GIF89a\u0001\u0000", "is a GIF")]
    [InlineData("%PDF-1.7", "starts like a PDF")]
    [InlineData("", "is empty")]
    public void Detect_WhenFileIsNotAnImage_ReturnsNullAndDescribesWhatItIs(string content, string description)
    {
        var head = TestImages.Text(content);

        Assert.Null(ImageSignature.Detect(head));
        Assert.Contains(description, ImageSignature.DescribeNonImage(head));
    }

    [Fact]
    public void DescribeNonImage_WhenFileIsAnIphonePhoto_SaysToConvertIt()
    {
        byte[] heic = [0, 0, 0, 24, .. "ftypheic"u8, 0, 0, 0, 0];

        Assert.Null(ImageSignature.Detect(heic));
        Assert.Contains("HEIC", ImageSignature.DescribeNonImage(heic));
    }
}
