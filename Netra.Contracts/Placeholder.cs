namespace Netra.Contracts; public static class Placeholder {}
