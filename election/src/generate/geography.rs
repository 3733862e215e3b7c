//! The shape of a Kyrgyz election: regions, territorial commissions per region, the share of
//! precincts in each, and the parties on the ballot. Parties are synthetic and say so.

use crate::records::{ContestOption, Names, Region};

/// (Kyrgyz, Russian, English name, share of precincts, territorial commissions).
pub const REGIONS: [(&str, &str, &str, f64, u16); 10] = [
    ("Бишкек шаары", "город Бишкек", "Bishkek city", 0.16, 5),
    ("Ош шаары", "город Ош", "Osh city", 0.05, 2),
    ("Чүй облусу", "Чуйская область", "Chuy region", 0.17, 8),
    ("Ош облусу", "Ошская область", "Osh region", 0.18, 8),
    (
        "Жалал-Абад облусу",
        "Джалал-Абадская область",
        "Jalal-Abad region",
        0.18,
        9,
    ),
    (
        "Баткен облусу",
        "Баткенская область",
        "Batken region",
        0.08,
        4,
    ),
    (
        "Ысык-Көл облусу",
        "Иссык-Кульская область",
        "Issyk-Kul region",
        0.08,
        5,
    ),
    ("Нарын облусу", "Нарынская область", "Naryn region", 0.04, 5),
    ("Талас облусу", "Таласская область", "Talas region", 0.04, 4),
    (
        "Чет өлкөдөгү участоктор",
        "Участки за рубежом",
        "Precincts abroad",
        0.02,
        1,
    ),
];

/// The region number of the precincts abroad (fewer voters, lower turnout).
pub const ABROAD: u16 = 10;

/// (Kyrgyz, Russian, English) and a base share of the vote.
pub const PARTIES: [(&str, &str, &str, f64); 12] = [
    ("«Арча» партиясы", "Партия «Арча»", "Archa Party", 0.19),
    ("«Булак» партиясы", "Партия «Булак»", "Bulak Party", 0.15),
    ("«Чынар» партиясы", "Партия «Чынар»", "Chynar Party", 0.12),
    ("«Мөңгү» партиясы", "Партия «Мёнгю»", "Mongu Party", 0.10),
    ("«Дарыя» партиясы", "Партия «Дарыя»", "Darya Party", 0.09),
    ("«Шамал» партиясы", "Партия «Шамал»", "Shamal Party", 0.08),
    ("«Жылдыз» партиясы", "Партия «Жылдыз»", "Jyldyz Party", 0.07),
    ("«Талаа» партиясы", "Партия «Талаа»", "Talaa Party", 0.06),
    ("«Кайың» партиясы", "Партия «Кайын»", "Kaiyng Party", 0.05),
    ("«Алма» партиясы", "Партия «Алма»", "Alma Party", 0.04),
    ("«Тулпар» партиясы", "Партия «Тулпар»", "Tulpar Party", 0.03),
    (
        "«Көк-Жал» партиясы",
        "Партия «Кок-Жал»",
        "Kok-Jal Party",
        0.02,
    ),
];

pub fn regions() -> Vec<Region> {
    REGIONS
        .iter()
        .enumerate()
        .map(|(i, (ky, ru, en, _, _))| Region {
            id: i as u16 + 1,
            name: Names::new(ky, ru, en),
        })
        .collect()
}

pub fn party_options() -> Vec<ContestOption> {
    PARTIES
        .iter()
        .map(|(ky, ru, en, _)| ContestOption {
            name: Names::new(ky, ru, en),
        })
        .collect()
}

/// The name of territorial commission `n` of a region.
pub fn territory_names(region: usize, n: u16) -> Names {
    let (ky, ru, en, _, _) = REGIONS[region];
    Names::new(
        &format!("№{n} аймактык шайлоо комиссиясы ({ky})"),
        &format!("Территориальная избирательная комиссия №{n} ({ru})"),
        &format!("Territorial election commission No. {n} ({en})"),
    )
}
