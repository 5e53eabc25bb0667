"""Xibo's player protocol (XMDS, SOAP v5 and v7) served by the hub: any Xibo-compatible player
(Windows, Android, webOS, Tizen, Linux, the browser player) can use the hub as its CMS."""
