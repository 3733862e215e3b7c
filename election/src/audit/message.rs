//! What a finding says: one sentence with its figures, in English, Kyrgyz or Russian. The rules
//! that find what a citizen reads about (a protocol's arithmetic, the urn against the hand
//! count, ballots against identified voters, hourly turnout, a bank statement, the announced
//! result) and who may sign what (keys, their roles, scopes, validity and revocation) say it
//! in the three languages, and so do signatures that fail, broken references and the log's own
//! checkpoint records; only an entry that does not decode (which a citizen meets only when
//! something is badly wrong) gives the decoder's technical detail in English under the rule's
//! translated title. The words follow `web-viewer/GLOSSARY.md`.

use std::fmt;

crate::listed_enum! {
    /// The sentences a finding can say; `{0}`, `{1}`, … are its figures.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub enum Sentence {
        /// A technical detail, in English only.
        Detail,
        MarkedNotFound,
        VotesNotValid,
        IssuedOverReceived,
        FoundOverIssued,
        IssuedOverList,
        UrnOption,
        UrnOptionCount,
        UrnRead,
        UrnRejected,
        StationaryOverIdentified,
        MobileOverIdentified,
        HourlyFalls,
        HourlyOverTotal,
        StatementUnbalanced,
        FinalUndefinedContest,
        FinalOption,
        FinalOptionCount,
        FinalPrecincts,
        FinalAnnulled,
        TurnoutFalls,
        ProtocolRepeated,
        ComplaintDecidedLate,
        ComplaintUndecided,
        ComplaintNotShownInTime,
        ComplaintFiledTwice,
        DecisionWithoutComplaint,
        AnnulmentNotByCec,
        KeyRevoked,
        UnenrolledKeyRevoked,
        KeyNotEnrolled,
        KeyOutsideValidity,
        LogKeyOnlyCheckpoints,
        CheckpointNotByLogKey,
        RoleMayNotSign,
        ScopeDoesNotCover,
        RootOrLogKeyEnrolled,
        RevokedKeyEnrolled,
        KeyEnrolledTwice,
        OperatorEnrolledNotByRoot,
        RootOrLogKeyRevoked,
        OperatorRevokedNotByRoot,
        OtherElection,
        RecordKindUnknown,
        SignatureDoesNotVerify,
        RecordUnsigned,
        SignerKeyInvalid,
        AnnulmentOnlyByCec,
        DefinitionRepeated,
        PrecinctRegisteredTwice,
        PrecinctNotRegistered,
        ContestNotDefined,
        VoteCountsNotOptions,
        CorrectionOfNothing,
        CheckpointNotByPolicy,
        CheckpointOfOtherLog,
        CheckpointAfterItsEntries,
        CheckpointsMustGrow,
    }
}

impl Sentence {
    /// The sentence in English, Kyrgyz and Russian.
    fn forms(self) -> [&'static str; 3] {
        use Sentence::*;
        match self {
            Detail => ["{0}", "{0}", "{0}"],
            MarkedNotFound => [
                "valid ({0}) + invalid ({1}) = {2}, but {3} ballots were found in the boxes ({4} stationary + {5} mobile)",
                "жарактуу ({0}) + жараксыз ({1}) = {2}, бирок кутулардан {3} бюллетень табылган (стационардык кутулардан {4} + көчмө кутулардан {5})",
                "действительных ({0}) + недействительных ({1}) = {2}, но бюллетеней в ящиках: {3} (в стационарных: {4}, в переносных: {5})",
            ],
            VotesNotValid => [
                "the votes per option add up to {0}, but the protocol reports {1} valid ballots",
                "талапкерлерге / партияларга берилген добуштардын суммасы {0}, бирок протоколдо {1} жарактуу бюллетень көрсөтүлгөн",
                "сумма голосов за кандидатов / партии равна {0}, но действительных бюллетеней по протоколу: {1}",
            ],
            IssuedOverReceived => [
                "{0} ballots issued, more than the {1} received",
                "{0} бюллетень берилген — алынган {1} бюллетенден көп",
                "выдано бюллетеней: {0} — больше, чем получено ({1})",
            ],
            FoundOverIssued => [
                "{0} ballots found in the boxes, more than the {1} issued",
                "кутулардан {0} бюллетень табылган — берилген {1} бюллетенден көп",
                "бюллетеней в ящиках: {0} — больше, чем выдано ({1})",
            ],
            IssuedOverList => [
                "{0} ballots issued, more than the {1} voters on the list",
                "{0} бюллетень берилген — тизмедеги {1} шайлоочудан көп",
                "выдано бюллетеней: {0} — больше, чем избирателей в списке ({1})",
            ],
            UrnOption => [
                "option {0}: the urn counted {1}, the protocol reports {2}",
                "{0}-талапкер / партия: автоматтык урна {1} эсептеген, протоколдо {2}",
                "кандидат / партия № {0}: автоматическая урна насчитала {1}, в протоколе {2}",
            ],
            UrnOptionCount => [
                "the urn reports {0} options, the protocol {1}",
                "автоматтык урна {0} талапкерди / партияны көрсөтөт, протокол — {1}",
                "кандидатов / партий у автоматической урны: {0}, в протоколе: {1}",
            ],
            UrnRead => [
                "the urn read {0} ballots, the protocol found {1} in the boxes",
                "автоматтык урна {0} бюллетень окуган, протокол боюнча кутулардан {1} табылган",
                "автоматическая урна считала бюллетеней: {0}, по протоколу в ящиках: {1}",
            ],
            UrnRejected => [
                "the urn rejected {0} ballots, the protocol reports {1} invalid",
                "автоматтык урна {0} бюллетенди четке каккан, протоколдо {1} жараксыз бюллетень көрсөтүлгөн",
                "автоматическая урна отклонила бюллетеней: {0}, недействительных по протоколу: {1}",
            ],
            StationaryOverIdentified => [
                "{0} ballots in the stationary boxes, but only {1} voters were identified in the premises",
                "стационардык кутуларда {0} бюллетень, бирок добуш берүү жайында {1} гана шайлоочу идентификацияланган",
                "бюллетеней в стационарных ящиках: {0}, а избирателей, идентифицированных в помещении для голосования, — лишь {1}",
            ],
            MobileOverIdentified => [
                "{0} ballots in the mobile boxes, but only {1} voters were identified for the mobile box",
                "көчмө кутуларда {0} бюллетень, бирок көчмө куту үчүн {1} гана шайлоочу идентификацияланган",
                "бюллетеней в переносных ящиках: {0}, а избирателей, идентифицированных для голосования вне помещения, — лишь {1}",
            ],
            HourlyFalls => [
                "{0}:00 shows {1} identified, {2}:00 shows {3}",
                "саат {0}:00 боюнча {1} идентификацияланган, саат {2}:00 боюнча — {3}",
                "число идентифицированных к {0}:00 — {1}, к {2}:00 — {3}",
            ],
            HourlyOverTotal => [
                "{0}:00 shows {1} identified, more than the day's total of {2}",
                "саат {0}:00 боюнча {1} идентификацияланган — күндүн жалпы санынан ({2}) көп",
                "число идентифицированных к {0}:00 — {1}, больше, чем за весь день ({2})",
            ],
            StatementUnbalanced => [
                "opening {0} + credits {1} − debits {2} ≠ closing {3} (tyiyn)",
                "башталгыч калдык {0} + эсепке түшкөнү {1} − эсептен чыгарылганы {2} ≠ акыркы калдык {3} (тыйын)",
                "входящий остаток {0} + зачисления {1} − списания {2} ≠ исходящий остаток {3} (тыйын)",
            ],
            FinalUndefinedContest => [
                "final result for contest {0}, which is not defined",
                "{0}-добуш берүүнүн жыйынтыгы жарыяланган, бирок мындай добуш берүү аныкталган эмес",
                "объявлен результат голосования № {0}, которое не определено",
            ],
            FinalOption => [
                "option {0}: announced {1}, the precinct protocols add up to {2}",
                "{0}-талапкер / партия: {1} жарыяланган, участоктордун протоколдорунун суммасы {2}",
                "кандидат / партия № {0}: объявлено {1}, по протоколам участков — {2}",
            ],
            FinalOptionCount => [
                "{0} totals announced for {1} options",
                "{1} талапкер / партия үчүн {0} жыйынтык жарыяланган",
                "объявлено итогов: {0}, кандидатов / партий: {1}",
            ],
            FinalPrecincts => [
                "{0} precincts announced as counted, {1} protocols count",
                "{0} участок эсептелди деп жарыяланган, протоколдор боюнча {1}",
                "объявлено учтённых участков: {0}, по протоколам: {1}",
            ],
            FinalAnnulled => [
                "annulled precincts announced {0}, annulled in the log {1}",
                "жыйынтыгы жараксыз деп табылган участоктор: жарыяланганы {0}, журналда {1}",
                "участки с недействительными итогами: объявлено {0}, в журнале {1}",
            ],
            TurnoutFalls => [
                "{0}:00 shows {1} identified after {2}:00 showed {3}",
                "саат {0}:00 боюнча {1} идентификацияланган, ал эми мурунку отчетто саат {2}:00 боюнча {3} болгон",
                "число идентифицированных к {0}:00 — {1}, а в предыдущем отчёте к {2}:00 — {3}",
            ],
            ProtocolRepeated => [
                "a protocol for this precinct and contest is already logged at entry {0}, and no correction supersedes it",
                "бул участок жана добуш берүү боюнча протокол журналга {0}-жазуу катары мурун эле киргизилген, аны эч бир оңдоо алмаштырган эмес",
                "протокол этого участка по этому голосованию уже внесён в журнал (запись № {0}), и никакое исправление его не заменяет",
            ],
            ComplaintDecidedLate => [
                "complaint {0} was decided no earlier than {1} (witnessed time), {2} after it was filed (logged no later than {3}); the time limit is {4}",
                "{0} даттануу {1} мурда эмес каралган (күбөлөндүрүүчүлөрдүн убактысы боюнча), берилгенден {2} өткөндөн кийин (журналга {3} кечиктирилбей киргизилген); кароо мөөнөтү — {4}",
                "жалоба {0} рассмотрена не ранее {1} (по времени заверителей), через {2} после подачи (внесена в журнал не позднее {3}); срок рассмотрения — {4}",
            ],
            ComplaintUndecided => [
                "complaint {0} is undecided at {1} (the audited checkpoint's witnessed time), {2} after it was filed (logged no later than {3}); the time limit is {4}",
                "{0} даттануу боюнча {1} абалында чечим жок (текшерилген чекиттин күбөлөндүрүүчүлөр ырастаган убактысы), берилгенден {2} өттү (журналга {3} кечиктирилбей киргизилген); кароо мөөнөтү — {4}",
                "по жалобе {0} нет решения на {1} (время проверенной контрольной точки по заверителям), через {2} после подачи (внесена в журнал не позднее {3}); срок рассмотрения — {4}",
            ],
            ComplaintNotShownInTime => [
                "complaint {0} is not shown to have been decided in time: filed no earlier than {1}, decided no later than {2}, {3} apart, and the time limit is {4}; the log's checkpoint records do not narrow it further",
                "{0} даттануу мөөнөтүндө каралганы далилденбейт: {1} мурда эмес берилген, {2} кечиктирилбей каралган, ортосу {3}, кароо мөөнөтү — {4}; журналдагы текшерүү чекиттеринин жазуулары мындан так айтпайт",
                "не доказано, что жалоба {0} рассмотрена в срок: подана не ранее {1}, решение не позднее {2}, между ними {3}, срок рассмотрения — {4}; записи контрольных точек в журнале точнее не говорят",
            ],
            ComplaintFiledTwice => [
                "complaint {0} is filed a second time",
                "{0} даттануу экинчи жолу катталган",
                "жалоба {0} зарегистрирована повторно",
            ],
            DecisionWithoutComplaint => [
                "decision on complaint {0}, which was never filed",
                "{0} даттануу боюнча чечим бар, бирок мындай даттануу катталган эмес",
                "решение по жалобе {0}, которая не была зарегистрирована",
            ],
            KeyRevoked => [
                "key {0} ({1}) was revoked earlier in the log; nothing it signs is admitted after its revocation, whatever time the record claims",
                "{0} ачкычы ({1}) журналда мурда кайтарылып алынган; кайтарылып алынгандан кийин ал кол койгон эч нерсе кабыл алынбайт, жазууда кайсы убакыт көрсөтүлбөсүн",
                "ключ {0} ({1}) отозван ранее в журнале; ничто, подписанное им после отзыва, не принимается, какое бы время ни указывала запись",
            ],
            UnenrolledKeyRevoked => [
                "key {0} was revoked earlier in the log without ever being enrolled; nothing it signs is admitted after its revocation, whatever time the record claims",
                "{0} ачкычы катталбай туруп журналда мурда кайтарылып алынган; кайтарылып алынгандан кийин ал кол койгон эч нерсе кабыл алынбайт, жазууда кайсы убакыт көрсөтүлбөсүн",
                "ключ {0} отозван ранее в журнале, так и не будучи зарегистрированным; ничто, подписанное им после отзыва, не принимается, какое бы время ни указывала запись",
            ],
            KeyNotEnrolled => [
                "key {0} was never enrolled",
                "{0} ачкычы эч качан катталган эмес",
                "ключ {0} никогда не был зарегистрирован",
            ],
            KeyOutsideValidity => [
                "key {0} ({1}) signed at {2}, outside its validity {3}..{4}",
                "{0} ачкычы ({1}) {2} убакытта кол койгон, бул анын жарактуулук мөөнөтүнөн ({3}..{4}) тышкары",
                "ключ {0} ({1}) подписал в момент {2}, вне срока своего действия ({3}..{4})",
            ],
            LogKeyOnlyCheckpoints => [
                "the log's key signs only the log's own checkpoints, not a {0} record",
                "журналдын ачкычы журналдын өз текшерүү чекиттерине гана кол коёт, {0} түрүндөгү жазууга эмес",
                "ключ журнала подписывает только собственные контрольные точки журнала, а не запись типа {0}",
            ],
            CheckpointNotByLogKey => [
                "only the log's own key may log a checkpoint",
                "текшерүү чекитин журналга журналдын өз ачкычы гана киргизе алат",
                "вносить контрольную точку в журнал может только собственный ключ журнала",
            ],
            RoleMayNotSign => [
                "a {0} key may not sign a {1} record",
                "{0} ролундагы ачкыч {1} түрүндөгү жазууга кол коё албайт",
                "ключ с ролью {0} не вправе подписывать записи типа {1}",
            ],
            ScopeDoesNotCover => [
                "the {0} key's scope does not cover precinct {1}",
                "{0} ролундагы ачкычтын ыйгарым укуктары № {1} участокко жайылбайт",
                "полномочия ключа с ролью {0} не распространяются на участок № {1}",
            ],
            RootOrLogKeyEnrolled => [
                "key {0} is the root's or the log's own key; it cannot be enrolled",
                "{0} ачкычы — БШКнын тамыр ачкычы же журналдын өз ачкычы; аны каттоого болбойт",
                "ключ {0} — корневой ключ ЦИК или собственный ключ журнала; его нельзя зарегистрировать",
            ],
            RevokedKeyEnrolled => [
                "key {0} was revoked; a revoked key is never enrolled again (enroll a new key)",
                "{0} ачкычы кайтарылып алынган; кайтарылып алынган ачкыч кайра катталбайт (жаңы ачкычты каттаңыз)",
                "ключ {0} отозван; отозванный ключ повторно не регистрируется (зарегистрируйте новый ключ)",
            ],
            KeyEnrolledTwice => [
                "key {0} is already enrolled as {1}; to change its role or scope, revoke it and enroll a new key",
                "{0} ачкычы буга чейин {1} ролунда катталган; ролун же ыйгарым укуктарын өзгөртүү үчүн аны кайтарып алып, жаңы ачкычты каттаңыз",
                "ключ {0} уже зарегистрирован с ролью {1}; чтобы изменить роль или полномочия, отзовите его и зарегистрируйте новый ключ",
            ],
            OperatorEnrolledNotByRoot => [
                "only the CEC root key may enroll a CEC operator key",
                "БШКнын оператордук ачкычын БШКнын тамыр ачкычы гана каттай алат",
                "ключ оператора ЦИК может зарегистрировать только корневой ключ ЦИК",
            ],
            RootOrLogKeyRevoked => [
                "key {0} is the root's or the log's own key; no record revokes it (a new election log is started with new keys)",
                "{0} ачкычы — БШКнын тамыр ачкычы же журналдын өз ачкычы; аны эч бир жазуу кайтарып ала албайт (жаңы ачкычтар менен шайлоонун жаңы журналы ачылат)",
                "ключ {0} — корневой ключ ЦИК или собственный ключ журнала; никакая запись его не отзывает (с новыми ключами начинается новый журнал выборов)",
            ],
            OperatorRevokedNotByRoot => [
                "only the CEC root key may revoke a CEC operator key",
                "БШКнын оператордук ачкычын БШКнын тамыр ачкычы гана кайтарып ала алат",
                "отозвать ключ оператора ЦИК может только корневой ключ ЦИК",
            ],
            OtherElection => [
                "the record is for election {0}, this log is for {1}",
                "жазуу {0} шайлоосуна тиешелүү, бул журнал болсо {1} шайлоосуна арналган",
                "запись относится к выборам {0}, а этот журнал — к выборам {1}",
            ],
            AnnulmentNotByCec => [
                "resolution {0} annulling precincts {1} is signed by a key that is not the CEC's; it is not applied",
                "{1} участоктордун жыйынтыктарын жараксыз деп тапкан {0} токтом БШКнын ачкычы менен кол коюлган эмес; ал колдонулбайт",
                "постановление {0} о признании итогов недействительными на участках {1} подписано не ключом ЦИК; оно не применяется",
            ],
            RecordKindUnknown => [
                "kind {0} is not a known record kind",
                "{0} — жазуунун белгисиз түрү",
                "{0} — неизвестный тип записи",
            ],
            SignatureDoesNotVerify => [
                "record signature does not verify",
                "жазуунун кол тамгасы текшерүүдөн өтпөйт",
                "подпись записи не проходит проверку",
            ],
            RecordUnsigned => [
                "record has no signature",
                "жазууда кол тамга жок",
                "запись не подписана",
            ],
            SignerKeyInvalid => [
                "signer public key is not a valid Ed25519 key",
                "кол коюучунун ачык ачкычы туура Ed25519 ачкычы эмес",
                "открытый ключ подписанта не является корректным ключом Ed25519",
            ],
            AnnulmentOnlyByCec => [
                "only the CEC's keys may annul results",
                "жыйынтыктарды БШКнын ачкычы менен кол коюлган жазуу гана жараксыз деп таба алат",
                "признать итоги недействительными может только запись, подписанная ключом ЦИК",
            ],
            DefinitionRepeated => [
                "the election is defined a second time; the first definition stands",
                "шайлоо экинчи жолу аныкталган; биринчи аныктама күчүндө калат",
                "выборы определены повторно; действует первое определение",
            ],
            PrecinctRegisteredTwice => [
                "precinct {0} is registered twice",
                "№ {0} участок реестрге эки жолу киргизилген",
                "участок № {0} внесён в реестр дважды",
            ],
            PrecinctNotRegistered => [
                "precinct {0} is not in the registry",
                "№ {0} участок реестрде жок",
                "участка № {0} нет в реестре",
            ],
            ContestNotDefined => [
                "contest {0} is not defined",
                "{0}-добуш берүү аныкталган эмес",
                "голосование № {0} не определено",
            ],
            VoteCountsNotOptions => [
                "{0} vote counts for contest {1}, which has {2} options",
                "{1}-добуш берүүдө {2} талапкер / партия бар, бирок добуштардын саны {0} талапкер / партия үчүн берилген",
                "для голосования № {1} указано чисел голосов: {0}, а кандидатов / партий в нём: {2}",
            ],
            CorrectionOfNothing => [
                "the correction supersedes entry {0}, which is not an earlier valid record",
                "оңдоо {0}-жазууну алмаштырат, бирок ал мурда киргизилген жарактуу жазуу эмес",
                "исправление заменяет запись № {0}, но она не является ранее внесённой действительной записью",
            ],
            CheckpointNotByPolicy => [
                "the checkpoint it logs does not satisfy the policy: {0}",
                "бул жазуудагы текшерүү чекити ишеним саясатына жооп бербейт: {0}",
                "контрольная точка в этой записи не соответствует политике доверия: {0}",
            ],
            CheckpointOfOtherLog => [
                "it logs a checkpoint of another log, {0}",
                "бул жазуу башка журналдын текшерүү чекитин камтыйт: {0}",
                "эта запись содержит контрольную точку другого журнала: {0}",
            ],
            CheckpointAfterItsEntries => [
                "it logs a checkpoint of size {0} at entry {1}: a checkpoint contains only entries logged before it",
                "{1}-жазуу {0} жазуудан турган текшерүү чекитин камтыйт: текшерүү чекити өзүнөн мурун киргизилген жазууларды гана камтыйт",
                "запись № {1} содержит контрольную точку (записей: {0}): контрольная точка включает только записи, внесённые до неё",
            ],
            CheckpointsMustGrow => [
                "a checkpoint of size {0} after one of size {1}: the log's checkpoints must grow",
                "{1} жазуудан турган текшерүү чекитинен кийин {0} жазуудан турган текшерүү чекити келет: журналдын ар бир кийинки текшерүү чекити мурункусунан көбүрөөк жазууну камтышы керек",
                "контрольная точка (записей: {0}) следует за контрольной точкой (записей: {1}): каждая следующая контрольная точка журнала должна содержать больше записей",
            ],
        }
    }
}

/// A figure of a sentence: text said alike in every language (a number, a time, an id), or
/// a length of time, said in the reader's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Figure {
    Text(String),
    Seconds(u64),
}

impl Figure {
    fn text(&self, lang: &str) -> String {
        match self {
            Figure::Text(text) => text.clone(),
            Figure::Seconds(seconds) => duration(*seconds, lang),
        }
    }
}

/// Seconds as days, hours and minutes, abbreviated (no plural to agree with) in `lang`.
fn duration(seconds: u64, lang: &str) -> String {
    let [days, hours, minutes, secs] = match lang {
        "ky" => ["күн", "саат", "мүн.", "сек."],
        "ru" => ["сут.", "ч", "мин", "с"],
        _ => ["d", "h", "min", "s"],
    };
    let parts: Vec<String> = [
        (seconds / 86_400, days),
        (seconds % 86_400 / 3600, hours),
        (seconds % 3600 / 60, minutes),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, unit)| format!("{n} {unit}"))
    .collect();
    match parts.is_empty() {
        true => format!("{seconds} {secs}"),
        false => parts.join(" "),
    }
}

/// A finding's sentence with its figures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub sentence: Sentence,
    pub figures: Vec<Figure>,
}

impl Message {
    pub fn new<T: ToString>(sentence: Sentence, figures: impl IntoIterator<Item = T>) -> Message {
        Message {
            sentence,
            figures: figures
                .into_iter()
                .map(|f| Figure::Text(f.to_string()))
                .collect(),
        }
    }

    /// A sentence without figures.
    pub fn plain(sentence: Sentence) -> Message {
        Message {
            sentence,
            figures: Vec::new(),
        }
    }

    /// A sentence whose figures include lengths of time ([`Figure::Seconds`]).
    pub fn with_figures(sentence: Sentence, figures: Vec<Figure>) -> Message {
        Message { sentence, figures }
    }

    /// The sentence in `lang` (`en`, `ky`, `ru`; English otherwise), its figures in place.
    pub fn text(&self, lang: &str) -> String {
        fill(self.sentence.forms(), &self.figures, lang)
    }

    /// Whether the English sentence contains `part` (for tests and filters).
    pub fn contains(&self, part: &str) -> bool {
        self.text("en").contains(part)
    }
}

/// One of `forms` (English, Kyrgyz, Russian) for `lang` (English unless `ky` or `ru`), with
/// `{0}`, `{1}`, … replaced by `figures` said in that language (`?` for a missing one). What
/// every sentence in three languages is said with, here and in the verifier's report.
pub fn fill(forms: [&str; 3], figures: &[Figure], lang: &str) -> String {
    let [en, ky, ru] = forms;
    let form = match lang {
        "ky" => ky,
        "ru" => ru,
        _ => en,
    };
    let mut out = String::with_capacity(form.len() + 16);
    let mut rest = form;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after
            .find('}')
            .and_then(|close| Some((close, after[..close].parse::<usize>().ok()?)))
        {
            Some((close, n)) => {
                match figures.get(n) {
                    Some(figure) => out.push_str(&figure.text(lang)),
                    None => out.push('?'),
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text("en"))
    }
}

/// A technical detail, said in English.
impl From<String> for Message {
    fn from(detail: String) -> Message {
        Message::new(Sentence::Detail, [detail])
    }
}

impl From<&str> for Message {
    fn from(detail: &str) -> Message {
        Message::from(detail.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The number of figures a form uses: one more than its highest `{n}`.
    fn places(form: &str) -> Vec<usize> {
        let mut found: Vec<usize> = form
            .split('{')
            .skip(1)
            .filter_map(|s| s.split('}').next()?.parse().ok())
            .collect();
        found.sort_unstable();
        found.dedup();
        found
    }

    #[test]
    fn every_language_uses_every_figure_of_the_english() {
        for &sentence in Sentence::ALL {
            let [en, ky, ru] = sentence.forms();
            assert_eq!(places(ky), places(en), "{sentence:?} ky");
            assert_eq!(places(ru), places(en), "{sentence:?} ru");
            if sentence != Sentence::Detail {
                assert_ne!(ky, en, "{sentence:?} is not translated");
                assert_ne!(ru, en, "{sentence:?} is not translated");
            }
        }
    }

    #[test]
    fn no_russian_noun_follows_a_figure() {
        // A Russian noun after a number takes one of three forms (1 бюллетень, 3 бюллетеня,
        // 5 бюллетеней): the sentences say "бюллетеней: 5" instead, right for any figure.
        for &sentence in Sentence::ALL {
            let [_, _, ru] = sentence.forms();
            for noun in [
                "бюллетен",
                "избирател",
                "участк",
                "кандидат",
                "итог",
                "голос",
            ] {
                for place in 0..8 {
                    let bad = format!("{{{place}}} {noun}");
                    assert!(!ru.contains(&bad), "{sentence:?}: {ru}");
                }
            }
        }
    }

    #[test]
    fn a_broken_reference_is_said_in_each_language() {
        let wrong = Message::new(Sentence::VoteCountsNotOptions, [3usize, 2, 4]);
        assert_eq!(
            wrong.text("en"),
            "3 vote counts for contest 2, which has 4 options"
        );
        assert_eq!(
            wrong.text("ru"),
            "для голосования № 2 указано чисел голосов: 3, а кандидатов / партий в нём: 4"
        );
        assert!(wrong.text("ky").starts_with("2-добуш берүү"));
    }

    #[test]
    fn figures_go_in_their_places() {
        let m = Message::new(Sentence::UrnOption, [2u64, 140, 139]);
        assert_eq!(
            m.text("en"),
            "option 2: the urn counted 140, the protocol reports 139"
        );
        assert_eq!(
            m.text("ru"),
            "кандидат / партия № 2: автоматическая урна насчитала 140, в протоколе 139"
        );
        assert_eq!(m.text("xx"), m.to_string());
        let late = Message::with_figures(
            Sentence::ComplaintUndecided,
            vec![
                Figure::Text("C-1".into()),
                Figure::Text("2026-10-09T08:00:00Z".into()),
                Figure::Seconds(3 * 86_400 + 7200),
                Figure::Text("2026-10-06T06:00:00Z".into()),
                Figure::Seconds(72 * 3600),
            ],
        );
        assert!(late.text("en").contains("3 d 2 h after it was filed"));
        assert!(late.text("ru").contains("через 3 сут. 2 ч после подачи"));
        assert!(late.text("ky").contains("кароо мөөнөтү — 3 күн"));
        assert_eq!(duration(3, "ru"), "3 с");
        let detail = Message::from("kind 99 is not a known record kind");
        assert_eq!(detail.text("ky"), "kind 99 is not a known record kind");
        // A figure the sentence lacks shows as "?", never a panic.
        assert_eq!(
            Message::new(Sentence::UrnRead, [1]).text("en"),
            "the urn read 1 ballots, the protocol found ? in the boxes"
        );
    }
}
