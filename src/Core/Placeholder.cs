namespace BtfNotebooks; internal static class Placeholder {}
