// Language detection: table-driven over scripts, Latin-script languages, and inputs too short or
// too broken to tell.
#include "broker/routing/language_detect.h"

#include <gtest/gtest.h>

namespace omni::routing {
namespace {

struct Case {
  std::string text;
  std::string expected;
};

class DetectLanguageTest : public ::testing::TestWithParam<Case> {};

TEST_P(DetectLanguageTest, Detects) { EXPECT_EQ(DetectLanguage(GetParam().text), GetParam().expected) << GetParam().text; }

INSTANTIATE_TEST_SUITE_P(
    Texts, DetectLanguageTest,
    ::testing::Values(Case{"Здравствуйте, у меня не проходит оплата", "ru"},
                      Case{"Добрий день, що з моїм замовленням?", "uk"},
                      Case{"注文がまだ届きません", "ja"},
                      Case{"我的订单还没有到", "zh"},
                      Case{"주문이 아직 도착하지 않았습니다", "ko"},
                      Case{"Γεια σας, η παραγγελία μου", "el"},
                      Case{"مرحبا، طلبي لم يصل", "ar"},
                      Case{"Hello, my order is late and I need help with the refund", "en"},
                      Case{"Bonjour, je ne trouve pas ma commande, merci", "fr"},
                      Case{"Hallo, ich habe meine Bestellung nicht bekommen, bitte helfen", "de"},
                      Case{"Hola, no tengo mi pedido, gracias", "es"},
                      Case{"ok", ""},
                      Case{"", ""},
                      Case{"12345 !!! ???", ""},
                      Case{"\xff\xfe\xc3", ""},                     // broken UTF-8
                      Case{"Order #4411 status", ""}));  // no frequent words: no guess

}  // namespace
}  // namespace omni::routing
