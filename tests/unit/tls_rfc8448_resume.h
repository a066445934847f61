/* SPDX-License-Identifier: MIT */
/*
 * RFC 8448 §4 "Resumed 0-RTT Handshake": the messages and secrets of the
 * handshake that resumes §3's session, typed from the RFC (the §3 values
 * it starts from are in tls_rfc8448.h).  We never accept 0-RTT, so the
 * early-data secrets are left out; EndOfEarlyData is here only because
 * the client Finished's transcript contains it.  The ClientHello is the
 * 477-octet prefix the binder covers plus the binders list (00 21 20 ||
 * binder).  The transcript hashes were checked against the messages with
 * an independent SHA-256.
 */
#ifndef TLS_RFC8448_RESUME_H
#define TLS_RFC8448_RESUME_H

/* {client} calculate PSK binder: ClientHello prefix (477 octets) */
#define RFC8448_R_CH_PREFIX                                                \
	"010001fc03031bc3ceb6bbe39cff938355b5a50adb6db21b7a6af649d7b4bc41" \
	"9d7876487d95000006130113031302010001cd0000000b000900000673657276" \
	"6572ff01000100000a00140012001d0017001800190100010101020103010400" \
	"3300260024001d0020e4ffb68ac05f8d96c99da26698346c6be16482badddafe" \
	"051a66b4f18d668f0b002a0000002b0003020304000d0020001e040305030603" \
	"020308040805080604010501060102010402050206020202002d00020101001c" \
	"0002400100150057000000000000000000000000000000000000000000000000" \
	"0000000000000000000000000000000000000000000000000000000000000000" \
	"0000000000000000000000000000000000000000000000000000000000000000" \
	"2900dd00b800b22c035d829359ee5ff7af4ec900000000262a6494dc486d2c8a" \
	"34cb33fa90bf1b0070ad3c498883c9367c09a2be785abc55cd226097a3a98211" \
	"7283f82a03a143efd3ff5dd36d64e861be7fd61d2827db279cce145077d454a3" \
	"664d4e6da4d29ee03725a6a4dafcd0fc67d2aea70529513e3da2677fa5906c5b" \
	"3f7d8f92f228bda40dda721470f9fbf297b5aea617646fac5c03272e970727c6" \
	"21a79141ef5f7de6505e5bfbc388e93343694093934ae4d357fad6aacb"
/* ... and the binder, which ends the 512-octet ClientHello */
#define RFC8448_R_BINDER \
	"3add4fb2d8fdf822a0ca3cf7678ef5e88dae990141c5924d57bb6fa31b9e5f9d"
/* {server} construct a ServerHello handshake message */
#define RFC8448_R_SH                                                       \
	"0200005c03033ccfd2dec890222763472ae8136777c9d7358777bb66e91ea512" \
	"2495f559ea2d00130100003400290002000000330024001d0020121761ee42c3" \
	"33e1b9e77b60dd57c2053cd94512ab47f115e86eff50942cea31002b00020304"
/* {server} construct an EncryptedExtensions handshake message */
#define RFC8448_R_EE                                                       \
	"080000280026000a00140012001d00170018001901000101010201030104001c" \
	"0002400100000000002a0000"
/* {server} construct a Finished handshake message */
#define RFC8448_R_SF                                                       \
	"1400002048d3e0e1b3d907c6acff145e16090388c77b05c050b634ab1a88bbd0" \
	"dd1a34b2"
/* {client} construct an EndOfEarlyData handshake message */
#define RFC8448_R_EOED "05000000"
/* {client} construct a Finished handshake message */
#define RFC8448_R_CF                                                       \
	"140000207230a9c952c25cd6138fc5e6628308c41c5335dd81b9f96bcea50fd3" \
	"2bda416d"
/* {server} construct a NewSessionTicket (§3): ticket_nonce */
#define RFC8448_R_NONCE "0000"
/* {server} generate resumption secret "tls13 resumption": expanded */
#define RFC8448_R_PSK \
	"4ecd0eb6ec3b4d87f5d6028f922ca4c5851a277fd41311c9e62d2c9492e1c4f3"
/* extract secret "early" */
#define RFC8448_R_EARLY \
	"9b2188e9b2fc6d64d71dc329900e20bb41915000f678aa839cbb797cb7d8332c"
/* calculate PSK binder: PRK (the binder key) */
#define RFC8448_R_BINDER_KEY \
	"69fe131a3bbad5d63c64eebcc30e395b9d8107726a13d074e389dbc8a4e47256"
/* ... expanded (its finished_key) */
#define RFC8448_R_BINDER_FK \
	"5588673e72cb59c87d220caffe94f2dea9a3b1609f7d50e90a48227db9ed7eaa"
/* ... binder hash */
#define RFC8448_R_TH_BINDER \
	"63224b2e4573f2d3454ca84b9d009a04f6be9e05711a8396473aefa01e924a14"
/* derive secret "tls13 c e traffic": hash (ClientHello) */
#define RFC8448_R_TH_CH \
	"08ad0fa05d7c7233b1775ba2ff9f4c5b8b59276b7f227f13a976245f5d960913"
/* {server} extract secret "handshake": IKM */
#define RFC8448_R_ECDHE \
	"f44194756ff9ec9d25180635d66ea6824c6ab3bf179977be37f723570e7ccb2e"
/* ... salt (Derive-Secret(early, "derived", "")) */
#define RFC8448_R_HS_SALT \
	"5f1790bbd82c5e7d376ed2e1e52f8e6038c9346db61b43be9a52f77ef3998e80"
/* ... secret */
#define RFC8448_R_HANDSHAKE \
	"005cb112fd8eb4ccc623bb88a07c64b3ede1605363fc7d0df8c7ce4ff0fb4ae6"
/* derive secret "tls13 c hs traffic": hash */
#define RFC8448_R_TH_CH_SH \
	"f736cb34fe25e701551bee6fd24c1cc7102a7daf9405cb15d97aafe16f757d03"
/* ... expanded */
#define RFC8448_R_C_HS \
	"2faac08f851d35fea3604fcb4de82dc62c9b164a70974d0462e27f1ab278700f"
/* derive secret "tls13 s hs traffic": expanded */
#define RFC8448_R_S_HS \
	"fe927ae271312e8bf0275b581c54eef020450dc4ecffaa05a1a35d27518e7803"
/* {server} derive write traffic keys for handshake data: key */
#define RFC8448_R_S_HS_KEY "27c6bdc0a3dcea39a47326d79bc9e4ee"
/* ... iv */
#define RFC8448_R_S_HS_IV  "9569ecdd4d0536705e9ef725"
/* extract secret "master" */
#define RFC8448_R_MASTER \
	"e2d32d4ed66dd37897a0e80c84107503ce58bf8aad4cb55a5002d77ecb890ece"
/* derive secret "tls13 c ap traffic": hash */
#define RFC8448_R_TH_CH_SF \
	"b0aeffc46a2cfe33114e6fd7d51f9f04b1ca3c497dab08934a774a9d9ad7dbf3"
/* ... expanded */
#define RFC8448_R_C_AP \
	"2abbf2b8e381d23dbebe1dd2a7d16a8bf484cb4950d23fb7fb7fa8547062d9a1"
/* derive secret "tls13 s ap traffic": expanded */
#define RFC8448_R_S_AP \
	"cc21f1bf8feb7dd5fa505bd9c4b468a9984d554a993dc49e6d285598fb672691"
/* derive secret "tls13 exp master": expanded */
#define RFC8448_R_EXP \
	"3fd93d4ffddc98e64b14dd107aedf8ee4add23f4510f58a4592d0b201bee56b4"
/* derive secret "tls13 res master": hash */
#define RFC8448_R_TH_CH_CF \
	"c3c122e0bd907a4a3ff6112d8fd53dbf89c773d9552e8b6b9d56d361b3a97bf6"

#endif /* TLS_RFC8448_RESUME_H */
