# Common Ground، صفحة الويب: العربية.

## Layout
skip-to-content = انتقل إلى المحتوى
nav-label = الرئيسية
nav-tally = الإحصاءات
nav-plans = الخطط
nav-network = الشبكة
lang-label = اللغة
logout = تسجيل الخروج
save = حفظ

## Login
login-title = تسجيل الدخول
login-intro = تُستخدم هذه العقدة من جهاز آخر. أدخل عبارة المرور التي ضُبطت على العقدة بالأمر «commonground web passphrase».
login-passphrase = عبارة المرور
login-submit = دخول
login-not-set = لم تُضبط عبارة مرور على هذه العقدة. شغّل أولاً «commonground web passphrase» على جهاز العقدة.
login-wrong = عبارة المرور غير صحيحة. حاول مرة أخرى.
login-wait = عبارات مرور خاطئة كثيرة من عنوانك. حاول مرة أخرى بعد { $seconds } ثانية.
login-locked = عبارات مرور خاطئة كثيرة من عنوانك: تسجيل الدخول مقفل لمدة { $minutes } دقيقة.

## Errors
error-home = العودة إلى صفحة البداية
error-not-found = غير موجود
error-refused = رفضت العقدة هذا
error-busy = العقدة مشغولة أو تتوقف. حاول بعد لحظة.
error-internal = تعذّر على العقدة القيام بذلك. يوضّح سجلّها السبب.
error-too-large = هذا النموذج كبير جداً.
error-csrf = انتهت صلاحية هذا النموذج. عد إلى الخلف وأعد تحميل الصفحة ثم أرسله مجدداً.
error-cross-site = حاول موقع ويب آخر تغيير هذه العقدة. لم يتغيّر شيء. لإجراء تغيير، استخدم صفحة العقدة نفسها.
banner-disk-full = قرص هذه العقدة ممتلئ: لا يمكن حفظ أي شيء جديد، وما ترسله الآن يُرفض. ما حُفظ سابقاً آمن ويمكن قراءته. حرّر بعض المساحة على جهاز العقدة: ستستأنف العمل من تلقاء نفسها.
banner-disk-read-only = لا يمكن الكتابة على قرص هذه العقدة: لا يمكن حفظ أي شيء جديد، وما ترسله الآن يُرفض. ما حُفظ سابقاً آمن ويمكن قراءته. ستستأنف العقدة العمل من تلقاء نفسها حين يصبح القرص قابلاً للكتابة.

## Refusals by the rules
pd-email = عنوان بريد إلكتروني
pd-phone = رقم هاتف
pd-postcode = رمز بريدي
pd-ni = رقم تأمين وطني
pd-nhs = رقم NHS
pd-reference = رقم قضية أو رقم مرجعي
pd-dob = تاريخ ميلاد
pd-address = عنوان سكن
pd-name = اسم شخص
pd-advice-name = اكتب دوراً لا اسماً: «عائلة في الفندق»، «إحدى عضواتنا».
pd-advice-contact = اذكر جهة التواصل بدورها («مسؤولة المساعدة القانونية لدينا»)، فبيانات الاتصال لا مكان لها في نص مشترك.
pd-advice-postcode = اكتب المنطقة أو الحي بدلاً منه («شمال المدينة»).
pd-advice-address = اكتب المنطقة أو مكاناً عاماً، لا مكان سكن أحد («عائلة في شمال المدينة»).
pd-advice-dob = اكتب فئة عمرية بدلاً منه («رجل في الثلاثينات»، «دون 18 سنة»).
pd-advice-reference = احتفظ بالأرقام المرجعية في أوراق الشخص نفسه، واكتب الوضع («بانتظار جلسة استئناف»).
refused-personal-data = يبدو أن هذا يحتوي على { $kind }. لا يحتفظ Common Ground بأي بيانات شخصية: { $advice }
refused-empty = يجب ألا يكون هذا الحقل فارغاً.
refused-control = يحتوي هذا النص على محرف تحكم غير مرئي ({ $code })، ربما لُصق من برنامج آخر. اكتب النص من جديد أو الصقه كنص عادي.
refused-bidi-override = يحتوي هذا النص على محرف يعكس اتجاه القراءة ({ $code })، وقد يجعل النص يُقرأ بغير ما كُتب. احذفه: العلامات التي تحتاجها العربية والكتابات الأخرى تبقى محفوظة.
refused-invisible = لا يحتوي هذا الحقل على أي شيء مرئي: مسافات فقط أو محارف لا تظهر.
refused-too-long = هذا طويل جداً: { $max } حرفاً على الأكثر.
refused-out-of-range = يجب أن تكون القيمة بين { $min } و{ $max }.
refused-unknown-issue = هذه القضية ليست في القائمة.
refused-issue-exists = هذه القضية موجودة بالفعل.
refused-malformed = الصيغة غير صحيحة.

## Numbers and time
range-value = { $low }–{ $high }
minutes-ago = { $n ->
    [0] الآن
    [one] منذ دقيقة واحدة
    [two] منذ دقيقتين
    [few] منذ { $n } دقائق
   *[other] منذ { $n } دقيقة
}

## Charts
map-title = خريطة القوى
map-opposed = معارض ←
map-supportive = → مؤيد
map-influence = التأثير
col-issue = القضية
col-count = العدد

## Issues
issue-housing = السكن
issue-legal-aid = المساعدة القانونية
issue-health = الرعاية الصحية
issue-education = التعليم
issue-detention = الاحتجاز
issue-destitution = العوز
issue-employment = العمل
issue-immigration-status = وضع الهجرة
issue-hate-crime = جرائم الكراهية
issue-mental-health = الصحة النفسية
issue-family-reunion = لمّ شمل الأسرة

## Tallies and meetings
tally-title = الإحصاءات
tally-period = الشهر
tally-show = عرض
tally-heading = القضايا المطروحة في { $period }
tally-empty = لم يُحصَ شيء في هذا الشهر بعد.
tally-total = { $n ->
    [one] مرة واحدة في المجموع
    [two] مرتان في المجموع
    [few] { $n } مرات في المجموع
   *[other] { $n } مرة في المجموع
}
meeting-title = تسجيل اجتماع
meeting-intro = أعداد فقط، لا أسماء أبداً: لا تكتب أسماء أو أرقام هواتف أو تفاصيل قضايا.
meeting-date = التاريخ
meeting-kind = نوع الاجتماع
meeting-attendees = عدد الحاضرين
meeting-issues = القضايا المطروحة وعدد مرات طرحها
meeting-decisions = القرارات
meeting-decisions-hint = قرار واحد في كل سطر.
meeting-submit = سجّل الاجتماع
meetings-recent = الاجتماعات الأخيرة
meetings-none = لم يُسجَّل أي اجتماع بعد.
meeting-people = { $n ->
    [one] شخص واحد
    [two] شخصان
    [few] { $n } أشخاص
   *[other] { $n } شخصاً
}
meeting-kind-weekly-meeting = اجتماع أسبوعي
meeting-kind-one-to-ones = لقاءات فردية
meeting-kind-public-meeting = اجتماع عام
meeting-kind-training = تدريب
meeting-kind-other = أخرى

## Regional view
region-empty = لم تُنشر أي إحصاءات في هذه الشبكة لهذا الشهر.
region-ranges = النطاق مثل ٠–٤ هو عدد نشرته مجموعة على أنه «أقل من ٥»: العدد الحقيقي يقع ضمنه.
region-csv = تنزيل هذه الأعداد (CSV)

## Plans
plans-title = خطط الحملات
plans-list = الخطط
plans-none = لا توجد خطط بعد.
plans-back = → كل الخطط
plan-new = خطة جديدة
plan-title = العنوان
plan-goal = الهدف
plan-demands = المطالب
plan-network = مشتركة مع
plan-private = هذه المجموعة فقط
plan-create = أنشئ الخطة
plan-edit = عدّل الخطة
plan-status = الحالة
plan-no-goal = لم يُكتب هدف بعد.
plan-no-demands = لم تُكتب مطالب بعد.
plan-actions-count = { $n ->
    [zero] لا إجراءات
    [one] إجراء واحد
    [two] إجراءان
    [few] { $n } إجراءات
   *[other] { $n } إجراءً
}
plan-status-planning = قيد التخطيط
plan-status-active = جارية
plan-status-won = تحقّقت
plan-status-closed = مغلقة
map-empty = لا أهداف ولا حلفاء بعد.
target-new = أضف جهة مستهدفة أو حليفاً
target-intro = بالمنصب، لا بالاسم أبداً: «عضو المجلس المسؤول عن السكن».
target-kind = مستهدف أم حليف
target-kind-target = مستهدف
target-kind-ally = حليف
target-role = المنصب
target-institution = المؤسسة
target-influence = التأثير في الهدف (من ١ إلى ٥)
target-stance = الموقف
target-add = أضف إلى الخريطة
target-summary = التأثير { $influence }
stance-0 = معارض
stance-1 = يميل إلى المعارضة
stance-2 = محايد
stance-3 = يميل إلى التأييد
stance-4 = مؤيد
actions-title = الإجراءات
actions-none = لا إجراءات بعد.
action-new = أضف إجراءً
action-title = ما هو
action-date = التاريخ
action-kind = النوع
action-notes = ملاحظات
action-add = أضف الإجراء
action-status = الحالة
action-no-date = لا تاريخ بعد
action-kind-meeting = اجتماع
action-kind-public-action = تحرّك عام
action-kind-training = تدريب
action-kind-one-to-ones = لقاءات فردية
action-kind-other = أخرى
action-status-planned = مخطَّط
action-status-done = منجَز
action-status-cancelled = ملغى
ameetings-title = اجتماعات مع السلطات
ameetings-none = لا اجتماعات مع السلطات بعد.
ameeting-new = أضف اجتماعاً مع جهة رسمية
ameeting-with = مع (المنصب والمؤسسة)
ameeting-date = التاريخ
ameeting-agenda = جدول الأعمال
ameeting-agenda-hint = بند واحد في كل سطر.
ameeting-add = أضف الاجتماع

## Network
network-title = الشبكة
network-me = هذه المجموعة
network-group-id = معرّف المجموعة:
reach-unknown = إمكانية الوصول من الخارج: غير معروفة بعد (يتحقق منها الأعضاء بعد اتصالهم).
reach-direct = يمكن الوصول إلى هذه العقدة مباشرة من الخارج.
reach-relayed = لا يمكن الوصول إلى هذه العقدة مباشرة (فهي خلف جهاز توجيه): تصل إليها المجموعات الأخرى عبر مُرحِّل { $relay }.
reach-unreachable = لا يمكن الوصول إلى هذه العقدة من الخارج: اطلبوا من عضو لديه عنوان عام أن يُرحِّل الاتصالات. يبقى التواصل ممكنًا مع الأعضاء على هذه الشبكة المحلية وعبر الحزم.
reach-relaying = تُرحِّل هذه العقدة الاتصالات لأعضاء شبكاتها ({ $count } يحجزون مكانًا).
network-api = وصف واجهة برمجة العقدة في
network-members = الأعضاء
network-this-group = هذه المجموعة
col-group = المجموعة
col-role = الدور
col-joined = تاريخ الانضمام
role-coordinator = منسّق
role-member = عضو
role-aggregator = مجمِّع
network-threshold = تُنشر الأعداد الأقل من { $k } على أنها «أقل من { $k }».
network-closed-months = يُنشر الشهر بعد انتهائه بحسب المنطقة الزمنية للشبكة ({ $zone }).
network-open-months = يمكن للأعضاء نشر الشهر أثناء جريانه (المنطقة الزمنية { $zone }).
network-settings = الإعدادات
network-k = العتبة: أصغر عدد يُنشر كما هو
network-zone = المنطقة الزمنية للشبكة
network-open-months-label = السماح بنشر الشهر قبل انتهائه
network-k-note = رفع العتبة يعيد نشر أعداد كل عضو تحتها، دون سجلها السابق. الشهر الذي يُنشر أثناء جريانه قد يأتي بعد اجتماع واحد فقط: اترك هذا الخيار معطّلاً إلا إذا احتاجت إليه المجموعات.
network-settings-submit = احفظ الإعدادات
network-create = أنشئ شبكة
network-name = اسم الشبكة
network-group-name = اسم هذه المجموعة فيها
network-create-submit = أنشئ الشبكة
network-join = انضم إلى شبكة
network-code = رمز الدعوة
network-join-submit = انضم
invite-expires = صالحة لمدة
invite-expires-1h = ساعة واحدة
invite-expires-24h = يوم واحد
invite-expires-48h = يومان
invite-expires-7d = ٧ أيام
invite-make = أنشئ دعوة
invite-title = دعوة
invite-intro = أعطِ هذا الرمز ذا الاستخدام الواحد للمجموعة المنضمة، أو دعها تمسحه. لا يُعرض إلا الآن.
invite-code = رمز الدعوة
invite-qr = الرمز نفسه على شكل رمز QR.
invite-valid-days = { $n ->
    [one] صالحة ليوم واحد آخر.
    [two] صالحة ليومين آخرين.
    [few] صالحة لمدة { $shown } أيام أخرى.
   *[other] صالحة لمدة { $shown } يومًا آخر.
}
invite-valid-hours = { $n ->
    [one] صالحة لساعة واحدة أخرى.
    [two] صالحة لساعتين أخريين.
    [few] صالحة لمدة { $shown } ساعات أخرى.
   *[other] صالحة لمدة { $shown } ساعة أخرى.
}
invite-valid-minutes = { $n ->
    [one] صالحة لدقيقة واحدة أخرى.
    [two] صالحة لدقيقتين أخريين.
    [few] صالحة لمدة { $shown } دقائق أخرى.
   *[other] صالحة لمدة { $shown } دقيقة أخرى.
}
invite-copy = انسخ الرمز
invite-copied = نُسخ: ألصقه في رسالة إلى المجموعة المنضمة.
invite-copy-failed = تعذّر النسخ: حدّد الرمز وانسخه يدويًا.
peers-title = المجموعات المتصلة
peers-no-network = لا تشغّل هذه العقدة أي شبكة.
peers-none = لا توجد مجموعة أخرى متصلة الآن.
peer-connected = متصلة { $ago }
peer-direct = مباشرة
peer-relayed = عبر مُرحِّل { $relay }
last-synced = آخر مزامنة مع { $group } { $ago }

## Publishing and merged counts
publish-title = النشر في شبكاتك
publish-intro = لا يغادر هذه العقدة سوى هذه الأعداد، ولا تغادرها سجلات الاجتماعات أبداً. العدد الأقل من عتبة الشبكة يُنشر فقط على أنه «أقل من» العتبة.
publish-none = لا تنتمي هذه المجموعة إلى أي شبكة بعد.
publish-join = أنشئ شبكة أو انضم إلى واحدة
publish-submit = انشر { $period } في { $network }
publish-done = نُشر { $period } في { $network }: { $n ->
    [one] قضية واحدة.
    [two] قضيتان.
    [few] { $n } قضايا.
   *[other] { $n } قضية.
}
publish-hidden = { $hidden ->
    [0] لم يكن أي عدد تحت العتبة.
    [one] عدد واحد كان أقل من { $k } ولا يظهر إلا كنطاق.
    [two] عددان كانا أقل من { $k } ولا يظهران إلا كنطاقين.
    [few] { $hidden } أعداد كانت أقل من { $k } ولا تظهر إلا كنطاقات.
   *[other] { $hidden } عدداً كانت أقل من { $k } ولا تظهر إلا كنطاقات.
}
publish-not-over = لم ينتهِ { $period } بعد بحسب المنطقة الزمنية لشبكة { $network } ({ $zone }): يمكن نشره ابتداءً من { $date }، حتى لا يأتي أي نشر بعد اجتماع واحد فقط.
publish-earlier = انشر { $period } بدلاً من ذلك.
publish-last = نُشر في { $date }. ما يراه أعضاء { $network }:
publish-last-undated = نُشر. ما يراه أعضاء { $network }:
publish-fewer = أقل من { $k }
publish-ranged = { $n ->
    [one] تغيّر عدد واحد بأقل من { $k } منذ آخر نشر لهذا الشهر: يُنشر كنطاق يشمل العدد الجديد، حتى لا يستطيع أحد أن يستنتج من الفرق وجود شخص إضافي.
    [two] تغيّر عددان بأقل من { $k } منذ آخر نشر لهذا الشهر: يُنشران كنطاقين يشملان العددين الجديدين، حتى لا يستطيع أحد أن يستنتج من الفرق وجود شخص إضافي.
   *[other] تغيّرت { $n } أعداد بأقل من { $k } منذ آخر نشر لهذا الشهر: تُنشر كنطاقات تشمل الأعداد الجديدة، حتى لا يستطيع أحد أن يستنتج من الفرق وجود شخص إضافي.
}
refused-month-not-over = لم ينتهِ هذا الشهر بعد بحسب المنطقة الزمنية للشبكة: انشره بعد انتهائه (يمكن لمنسّق الشبكة السماح بنشر الأشهر الجارية).
region-link = عرض الأعداد المدمجة لشبكة { $network }
region-title = { $network }: الأعداد المدمجة
region-heading = الأعداد المدمجة لشهر { $period }
region-groups = { $n ->
    [one] نشرت مجموعة واحدة أعدادها لهذا الشهر.
    [two] نشرت مجموعتان أعدادهما لهذا الشهر.
    [few] نشرت { $n } مجموعات أعدادها لهذا الشهر.
   *[other] نشرت { $n } مجموعة أعدادها لهذا الشهر.
}
region-between = بين { $low } و{ $high }
region-back = العودة إلى إحصاءات هذا الشهر والنشر
network-publish-link = انشر أعداد هذه المجموعة

## التعديل والحذف
refused-unknown-item = هذا لم يعد موجودا: ربما حذفته مجموعة أخرى. أعد تحميل الصفحة.
refused-base = صُنع هذا النموذج من نسخة لا يملكها هذا الجهاز. أعد تحميل الصفحة وعدّل من جديد.
refused-not-collaborator = لا يغيّر الخطة إلا المجموعات المشاركة في كتابتها. اطلب من إحداها أن تضيف مجموعتك.
refused-not-coordinator = لا يغيّر هذا إلا منسقو الشبكة.
refused-last-collaborator = تبقى للخطة مجموعة مشاركة واحدة على الأقل.
refused-collaborator-member = يجب أن تكون المجموعة المشاركة عضوا (لا مجمِّعا) في شبكة الخطة.
refused-not-permitted = لا يحق لمجموعتك تغيير هذا.
flash-not-saved = لم يُحفظ.
flash-to-field = اذهب إلى الحقل.
done-plan-saved = حُفظت الخطة.
done-action-added = أضيف النشاط.
done-action-saved = حُفظ النشاط.
done-action-deleted = حُذف النشاط.
done-target-added = أضيف إلى خريطة القوى.
done-target-saved = حُفظت خريطة القوى.
done-target-deleted = أزيل من خريطة القوى.
done-ameeting-added = أضيف الاجتماع.
done-ameeting-saved = حُفظ الاجتماع.
done-ameeting-deleted = حُذف الاجتماع.
done-plan-archived = أُرشفت الخطة. يمكن لأي مجموعة مشاركة استعادتها.
done-plan-restored = استُعيدت الخطة.
done-collab-added = يمكن لهذه المجموعة الآن تعديل الخطة.
done-collab-removed = لم تعد هذه المجموعة تعدّل الخطة.
done-meeting-recorded = سُجّل اجتماع { $date }: { $people ->
    [one] شخص واحد
    [two] شخصان
   *[other] عدد الحاضرين { $people }
}، { $issues ->
    [one] قضية واحدة
    [two] قضيتان
   *[other] عدد القضايا { $issues }
}.
done-meeting-saved = صُحّح اجتماع { $date }: { $people ->
    [one] شخص واحد
    [two] شخصان
   *[other] عدد الحاضرين { $people }
}، { $issues ->
    [one] قضية واحدة
    [two] قضيتان
   *[other] عدد القضايا { $issues }
}. والإحصاء يتبعه.
done-meeting-deleted = حُذف اجتماع { $date } وخرجت أعداده من الإحصاء.
plan-archived-note = هذه الخطة مؤرشفة.
plan-changed-meanwhile = غيّرت مجموعة أخرى هذه الخطة بينما كنت تكتب. ما كتبته محفوظ، والحفظ لا يكتب إلا ما غيّرته أنت.
plan-archive = أرشفة الخطة
plan-restore = استعادة الخطة
plan-archive-intro = الخطة المؤرشفة تخرج من القائمة وتبقى محفوظة، ويمكن لأي مجموعة مشاركة استعادتها.
plan-forget = محو سجلّ هذه الخطة
plan-forget-intro = تُعاد إصدار الخطة بما تقوله الآن فقط. كل نسخها السابقة — النصوص المحذوفة أو المعاد صياغتها — تُحذف من قرص هذه العقدة فوراً، ومن عقدة كل عضو عند مزامنتها التالية. تُنقل التعديلات التي أجرتها مجموعات أخرى دون اتصال. النسخ التي حُملت سابقاً في حِزَم (على ذاكرة USB) لا يمكن استرجاعها.
plan-forget-confirm = أفهم أن النسخ السابقة من الخطة لا يمكن استعادتها.
done-plan-forgotten = مُحي سجلّ الخطة: لا يُحفظ إلا ما تقوله الآن، هنا وقريباً لدى كل عضو.
refused-confirm = ضع علامة في المربع للتأكيد.
plan-flagged = يبدو أن نص الخطة يحتوي على { $kind } (في { $field })، تكوّن من تعديلات مجموعتين اجتاز كلٌّ منها الفحص. احذفه، ثم امحُ سجلّ الخطة.
plan-restore-intro = الاستعادة تعيد الخطة إلى القائمة.
plans-archived = الخطط المؤرشفة
item-edit = تعديل
item-delete = حذف
agenda-up = إلى الأعلى
agenda-down = إلى الأسفل
agenda-item = بند جدول الأعمال
agenda-add = إضافة بند إلى جدول الأعمال
ameeting-outcome = النتيجة
collab-title = المجموعات التي تكتب هذه الخطة
collab-remove = إزالة
collab-cannot-edit = يمكن لمجموعتك قراءة هذه الخطة لا تغييرها. المجموعات التي تكتبها: { $groups }. اطلب من إحداها أن تضيف مجموعتك.
collab-private = هذه الخطة خاصة بهذه المجموعة.
collab-none-to-add = كل مجموعات الشبكة الأعضاء تكتب هذه الخطة بالفعل.
collab-choose = المجموعة
collab-add = السماح لهذه المجموعة بالتعديل
meeting-decided = القرارات:
meeting-correct = تصحيح هذا السجل
meeting-delete = حذف هذا السجل
csv-issue = مفتاح القضية
csv-label = القضية
csv-low = الأدنى
csv-high = الأعلى
csv-total = العدد
collab-this-group = هذه المجموعة
share-title = المشاركة مع شبكة
share-intro = تصبح الخطة بحالتها الآن خطة للشبكة، يمكن للمجموعات الأعضاء قراءتها ويمكن لهذه المجموعة تعديلها؛ أضف مجموعات أخرى بعد مشاركتها. تُؤرشف هذه الخطة الخاصة، ويبقى سجلها على هذه العقدة فقط.
share-network = الشبكة
share-button = شارك الخطة
share-no-network = لمشاركتها، يجب على هذه المجموعة أولًا إنشاء شبكة أو الانضمام إليها.
done-plan-shared = أصبحت الخطة مشتركة مع الشبكة. أُرشفت النسخة الخاصة.
invite-role = دور المجموعة المنضمة
invite-grants = دور المجموعة المنضمة: { $role }.
