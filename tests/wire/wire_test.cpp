#include <donode/bitsmsg.h>
#include <gtest/gtest.h>

#include "wire/error_text.h"
#include "wire/protocol.h"

using namespace donode::wire;

TEST(Guid, RoundTripsThroughRegistryForm) {
  const GUID g = new_guid();
  const std::string s = guid_to_string(g);
  ASSERT_EQ(s.size(), 38u);
  EXPECT_EQ(s[0], '{');
  const auto back = guid_from_string(s);
  ASSERT_TRUE(back.has_value());
  EXPECT_TRUE(IsEqualGUID(*back, g));
  EXPECT_EQ((g.Data3 >> 12), 4);  // version 4
}

TEST(Guid, RejectsMalformed) {
  EXPECT_FALSE(guid_from_string(""));
  EXPECT_FALSE(guid_from_string("{5B99FA76-721C-423C-ADAC-56D03C8A800}"));
  EXPECT_FALSE(guid_from_string("{5B99FA76-721C-423C-ADAC-56D03C8A800G}"));
  EXPECT_FALSE(guid_from_string("{5B99FA76+721C-423C-ADAC-56D03C8A8007}"));
  const auto ok = guid_from_string("5b99fa76-721c-423c-adac-56d03c8a8007");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->Data1, 0x5B99FA76u);
  EXPECT_EQ(ok->Data4[7], 0x07);
}

TEST(FrameHeader, BigEndianRoundTrip) {
  const auto h = encode_frame_header(0x01020304u);
  EXPECT_EQ(h[0], 1);
  EXPECT_EQ(h[3], 4);
  EXPECT_EQ(decode_frame_header(h.data()), 0x01020304u);
}

TEST(ErrorText, KnowsTheCodesTheSpecNames) {
  EXPECT_EQ(static_cast<std::uint32_t>(BG_HTTP_ERROR(404)), 0x80190194u);
  for (HRESULT hr : {BG_E_NOT_FOUND, BG_E_INVALID_STATE, BG_E_EMPTY, BG_S_PARTIAL_COMPLETE,
                     DO_E_NO_SERVICE, DO_E_BAD_PIECE_HASH, BG_E_STRING_TOO_LONG, E_INVALIDARG,
                     BG_HTTP_ERROR(404), BG_HTTP_ERROR(503)}) {
    EXPECT_TRUE(has_error_text(hr)) << std::hex << hr;
    EXPECT_FALSE(error_text(hr).empty());
  }
  EXPECT_NE(error_text(BG_HTTP_ERROR(404)).find("404"), std::string::npos);
  EXPECT_FALSE(has_error_text(static_cast<HRESULT>(0x8123ABCDu)));
  EXPECT_NE(error_text(static_cast<HRESULT>(0x8123ABCDu)).find("8123ABCD"), std::string::npos);
  EXPECT_NE(context_text(5).find("remote file"), std::string::npos);
}
