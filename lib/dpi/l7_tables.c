/* Our stable application, category and risk identifiers. Generated once from the names nDPI 4.2
 * reports and then frozen: identifiers are append-only and never follow a newer nDPI's numbering.
 * The DPI module maps whatever nDPI is linked to these by name at start-up; names nDPI adds later
 * get identifiers appended here. */
#include "dpi/l7_tables.h"

const char *const ntc__l7_app_names[NTC__L7_APP_COUNT] = {
    "Unknown", /* 0 */
    "FTP_CONTROL", /* 1 */
    "POP3", /* 2 */
    "SMTP", /* 3 */
    "IMAP", /* 4 */
    "DNS", /* 5 */
    "IPP", /* 6 */
    "HTTP", /* 7 */
    "MDNS", /* 8 */
    "NTP", /* 9 */
    "NetBIOS", /* 10 */
    "NFS", /* 11 */
    "SSDP", /* 12 */
    "BGP", /* 13 */
    "SNMP", /* 14 */
    "XDMCP", /* 15 */
    "SMBv1", /* 16 */
    "Syslog", /* 17 */
    "DHCP", /* 18 */
    "PostgreSQL", /* 19 */
    "MySQL", /* 20 */
    "Hotmail", /* 21 */
    "Direct_Download_Link", /* 22 */
    "POPS", /* 23 */
    "AppleJuice", /* 24 */
    "DirectConnect", /* 25 */
    "ntop", /* 26 */
    "COAP", /* 27 */
    "VMware", /* 28 */
    "SMTPS", /* 29 */
    "DTLS", /* 30 */
    "UBNTAC2", /* 31 */
    "Kontiki", /* 32 */
    "OpenFT", /* 33 */
    "FastTrack", /* 34 */
    "Gnutella", /* 35 */
    "eDonkey", /* 36 */
    "BitTorrent", /* 37 */
    "SkypeCall", /* 38 */
    "Signal", /* 39 */
    "Memcached", /* 40 */
    "SMBv23", /* 41 */
    "Mining", /* 42 */
    "NestLogSink", /* 43 */
    "Modbus", /* 44 */
    "WhatsAppCall", /* 45 */
    "DataSaver", /* 46 */
    "Xbox", /* 47 */
    "QQ", /* 48 */
    "TikTok", /* 49 */
    "RTSP", /* 50 */
    "IMAPS", /* 51 */
    "IceCast", /* 52 */
    "CPHA", /* 53 */
    "PPStream", /* 54 */
    "Zattoo", /* 55 */
    "ShoutCast", /* 56 */
    "Sopcast", /* 57 */
    "Discord", /* 58 */
    "TVUplayer", /* 59 */
    "MongoDB", /* 60 */
    "QQLive", /* 61 */
    "Thunder", /* 62 */
    "OCSP", /* 63 */
    "FREE_64", /* 64 */
    "IRC", /* 65 */
    "Ayiya", /* 66 */
    "Jabber", /* 67 */
    "Nats", /* 68 */
    "AmongUs", /* 69 */
    "Yahoo", /* 70 */
    "DisneyPlus", /* 71 */
    "GooglePlus", /* 72 */
    "VRRP", /* 73 */
    "Steam", /* 74 */
    "HalfLife2", /* 75 */
    "WorldOfWarcraft", /* 76 */
    "Telnet", /* 77 */
    "STUN", /* 78 */
    "IPsec", /* 79 */
    "GRE", /* 80 */
    "ICMP", /* 81 */
    "IGMP", /* 82 */
    "EGP", /* 83 */
    "SCTP", /* 84 */
    "OSPF", /* 85 */
    "IP_in_IP", /* 86 */
    "RTP", /* 87 */
    "RDP", /* 88 */
    "VNC", /* 89 */
    "Tumblr", /* 90 */
    "TLS", /* 91 */
    "SSH", /* 92 */
    "Usenet", /* 93 */
    "MGCP", /* 94 */
    "IAX", /* 95 */
    "TFTP", /* 96 */
    "AFP", /* 97 */
    "Stealthnet", /* 98 */
    "Aimini", /* 99 */
    "SIP", /* 100 */
    "TruPhone", /* 101 */
    "ICMPV6", /* 102 */
    "DHCPV6", /* 103 */
    "Armagetron", /* 104 */
    "Crossfire", /* 105 */
    "Dofus", /* 106 */
    "Fiesta", /* 107 */
    "Florensia", /* 108 */
    "Guildwars", /* 109 */
    "AmazonAlexa", /* 110 */
    "Kerberos", /* 111 */
    "LDAP", /* 112 */
    "MapleStory", /* 113 */
    "MsSQL-TDS", /* 114 */
    "PPTP", /* 115 */
    "Warcraft3", /* 116 */
    "WorldOfKungFu", /* 117 */
    "Slack", /* 118 */
    "Facebook", /* 119 */
    "Twitter", /* 120 */
    "Dropbox", /* 121 */
    "GMail", /* 122 */
    "GoogleMaps", /* 123 */
    "YouTube", /* 124 */
    "Skype_Teams", /* 125 */
    "Google", /* 126 */
    "DCE_RPC", /* 127 */
    "NetFlow", /* 128 */
    "sFlow", /* 129 */
    "HTTP_Connect", /* 130 */
    "HTTP_Proxy", /* 131 */
    "Citrix", /* 132 */
    "NetFlix", /* 133 */
    "LastFM", /* 134 */
    "Waze", /* 135 */
    "YouTubeUpload", /* 136 */
    "Hulu", /* 137 */
    "CHECKMK", /* 138 */
    "AJP", /* 139 */
    "Apple", /* 140 */
    "Webex", /* 141 */
    "WhatsApp", /* 142 */
    "AppleiCloud", /* 143 */
    "Viber", /* 144 */
    "AppleiTunes", /* 145 */
    "Radius", /* 146 */
    "WindowsUpdate", /* 147 */
    "TeamViewer", /* 148 */
    "Tuenti", /* 149 */
    "LotusNotes", /* 150 */
    "SAP", /* 151 */
    "GTP", /* 152 */
    "WSD", /* 153 */
    "LLMNR", /* 154 */
    "RemoteScan", /* 155 */
    "Spotify", /* 156 */
    "Messenger", /* 157 */
    "H323", /* 158 */
    "OpenVPN", /* 159 */
    "NOE", /* 160 */
    "CiscoVPN", /* 161 */
    "TeamSpeak", /* 162 */
    "Tor", /* 163 */
    "CiscoSkinny", /* 164 */
    "RTCP", /* 165 */
    "RSYNC", /* 166 */
    "Oracle", /* 167 */
    "Corba", /* 168 */
    "UbuntuONE", /* 169 */
    "Whois-DAS", /* 170 */
    "Collectd", /* 171 */
    "SOCKS", /* 172 */
    "Nintendo", /* 173 */
    "RTMP", /* 174 */
    "FTP_DATA", /* 175 */
    "Wikipedia", /* 176 */
    "ZeroMQ", /* 177 */
    "Amazon", /* 178 */
    "eBay", /* 179 */
    "CNN", /* 180 */
    "Megaco", /* 181 */
    "Redis", /* 182 */
    "Pinterest", /* 183 */
    "VHUA", /* 184 */
    "Telegram", /* 185 */
    "Vevo", /* 186 */
    "Pandora", /* 187 */
    "QUIC", /* 188 */
    "Zoom", /* 189 */
    "EAQ", /* 190 */
    "Ookla", /* 191 */
    "AMQP", /* 192 */
    "KakaoTalk", /* 193 */
    "KakaoTalk_Voice", /* 194 */
    "Twitch", /* 195 */
    "DoH_DoT", /* 196 */
    "WeChat", /* 197 */
    "MPEG_TS", /* 198 */
    "Snapchat", /* 199 */
    "Sina(Weibo)", /* 200 */
    "GoogleHangoutDuo", /* 201 */
    "IFLIX", /* 202 */
    "Github", /* 203 */
    "BJNP", /* 204 */
    "Reddit", /* 205 */
    "WireGuard", /* 206 */
    "SMPP", /* 207 */
    "DNScrypt", /* 208 */
    "TINC", /* 209 */
    "Deezer", /* 210 */
    "Instagram", /* 211 */
    "Microsoft", /* 212 */
    "Starcraft", /* 213 */
    "Teredo", /* 214 */
    "HotspotShield", /* 215 */
    "IMO", /* 216 */
    "GoogleDrive", /* 217 */
    "OCS", /* 218 */
    "Microsoft365", /* 219 */
    "Cloudflare", /* 220 */
    "MS_OneDrive", /* 221 */
    "MQTT", /* 222 */
    "RX", /* 223 */
    "AppleStore", /* 224 */
    "OpenDNS", /* 225 */
    "Git", /* 226 */
    "DRDA", /* 227 */
    "PlayStore", /* 228 */
    "SOMEIP", /* 229 */
    "FIX", /* 230 */
    "Playstation", /* 231 */
    "Pastebin", /* 232 */
    "LinkedIn", /* 233 */
    "SoundCloud", /* 234 */
    "CSGO", /* 235 */
    "LISP", /* 236 */
    "Diameter", /* 237 */
    "ApplePush", /* 238 */
    "GoogleServices", /* 239 */
    "AmazonVideo", /* 240 */
    "GoogleDocs", /* 241 */
    "WhatsAppFiles", /* 242 */
    "TargusDataspeed", /* 243 */
    "DNP3", /* 244 */
    "IEC60870", /* 245 */
    "Bloomberg", /* 246 */
    "CAPWAP", /* 247 */
    "Zabbix", /* 248 */
    "s7comm", /* 249 */
    "Teams", /* 250 */
    "WebSocket", /* 251 */
    "AnyDesk", /* 252 */
    "SOAP", /* 253 */
    "AppleSiri", /* 254 */
    "SnapchatCall", /* 255 */
    "HP_VIRTGRP", /* 256 */
    "GenshinImpact", /* 257 */
    "Activision", /* 258 */
    "FortiClient", /* 259 */
    "Z39.50", /* 260 */
    "Likee", /* 261 */
    "GitLab", /* 262 */
    "AVASTSecureDNS", /* 263 */
    "Cassandra", /* 264 */
    "AmazonAWS", /* 265 */
    "Salesforce", /* 266 */
    "Vimeo", /* 267 */
    "FacebookVoip", /* 268 */
    "SignalVoip", /* 269 */
    "Fuze", /* 270 */
    "GTP_U", /* 271 */
    "GTP_C", /* 272 */
    "GTP_PRIME", /* 273 */
    "Alibaba", /* 274 */
    "Crashlytics", /* 275 */
    "Azure", /* 276 */
    "iCloudPrivateRelay", /* 277 */
    "EthernetIP", /* 278 */
    "Badoo", /* 279 */
    "AccuWeather", /* 280 */
    "GoogleClassroom", /* 281 */
};

const char *const ntc__l7_category_names[NTC__L7_CATEGORY_COUNT] = {
    "Unspecified", /* 0 */
    "Media", /* 1 */
    "VPN", /* 2 */
    "Email", /* 3 */
    "DataTransfer", /* 4 */
    "Web", /* 5 */
    "SocialNetwork", /* 6 */
    "Download", /* 7 */
    "Game", /* 8 */
    "Chat", /* 9 */
    "VoIP", /* 10 */
    "Database", /* 11 */
    "RemoteAccess", /* 12 */
    "Cloud", /* 13 */
    "Network", /* 14 */
    "Collaborative", /* 15 */
    "RPC", /* 16 */
    "Streaming", /* 17 */
    "System", /* 18 */
    "SoftwareUpdate", /* 19 */
    "User custom category 1", /* 20 */
    "User custom category 2", /* 21 */
    "User custom category 3", /* 22 */
    "User custom category 4", /* 23 */
    "User custom category 5", /* 24 */
    "Music", /* 25 */
    "Video", /* 26 */
    "Shopping", /* 27 */
    "Productivity", /* 28 */
    "FileSharing", /* 29 */
    "ConnCheck", /* 30 */
    "IoT-Scada", /* 31 */
    "VirtAssistant", /* 32 */
    "Mining", /* 33 */
    "Malware", /* 34 */
    "Advertisement", /* 35 */
    "Banned_Site", /* 36 */
    "Site_Unavailable", /* 37 */
    "Allowed_Site", /* 38 */
    "Antimalware", /* 39 */
    "Mining", /* 40 */
    "Malware", /* 41 */
    "Advertisement", /* 42 */
    "Banned_Site", /* 43 */
    "Site_Unavailable", /* 44 */
    "Allowed_Site", /* 45 */
    "Antimalware", /* 46 */
};

const char *const ntc__l7_risk_names[NTC__L7_RISK_COUNT] = {
    "None", /* 0 */
    "XSS Attack", /* 1 */
    "SQL Injection", /* 2 */
    "RCE Injection", /* 3 */
    "Binary Application Transfer", /* 4 */
    "Known Protocol on Non Standard Port", /* 5 */
    "Self-signed Certificate", /* 6 */
    "Obsolete TLS Version (1.1 or older)", /* 7 */
    "Weak TLS Cipher", /* 8 */
    "TLS Expired Certificate", /* 9 */
    "TLS Certificate Mismatch", /* 10 */
    "HTTP Suspicious User-Agent", /* 11 */
    "HTTP Numeric IP Address", /* 12 */
    "HTTP Suspicious URL", /* 13 */
    "HTTP Suspicious Header", /* 14 */
    "TLS (probably) Not Carrying HTTPS", /* 15 */
    "Suspicious DGA Domain name", /* 16 */
    "Malformed Packet", /* 17 */
    "SSH Obsolete Client Version/Cipher", /* 18 */
    "SSH Obsolete Server Version/Cipher", /* 19 */
    "SMB Insecure Version", /* 20 */
    "TLS Suspicious ESNI Usage", /* 21 */
    "Unsafe Protocol", /* 22 */
    "Suspicious DNS Traffic", /* 23 */
    "Missing SNI TLS Extension", /* 24 */
    "HTTP Suspicious Content", /* 25 */
    "Risky ASN", /* 26 */
    "Risky Domain Name", /* 27 */
    "Possibly Malicious JA3 Fingerprint", /* 28 */
    "Possibly Malicious SSL Cert. SHA1 Fingerprint", /* 29 */
    "Desktop/File Sharing Session", /* 30 */
    "Uncommon TLS ALPN", /* 31 */
    "TLS Certificate Validity Too Long", /* 32 */
    "TLS Suspicious Extension", /* 33 */
    "TLS Fatal Alert", /* 34 */
    "Suspicious Entropy", /* 35 */
    "Clear-Text Credentials", /* 36 */
    "DNS Packet Larger Than 512 bytes", /* 37 */
    "Fragmented DNS Message", /* 38 */
    "Text Contains Non-Printable Characters", /* 39 */
    "Possible Exploit Detected", /* 40 */
    "TLS Certificate About To Expire", /* 41 */
};
