namespace Netra.Client; public static class Placeholder {}
