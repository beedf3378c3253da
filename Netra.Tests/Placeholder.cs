namespace Netra.Tests; public class Placeholder { [Xunit.Fact] public void Works() {} }
